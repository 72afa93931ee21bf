package main

// One SMTP connection, driven step by step over net/textproto so that every
// step has its own deadline (RFC 5321 §4.5.3.2), ends at once when the
// request's ctx ends, and reports which step failed and whether the final "."
// had been written (smtp_failure.go).

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/smtp"
	"net/textproto"
	"strconv"
	"strings"
	"time"
)

// smtpTimeouts are the deadlines of the steps (metadata timeoutConnect, ...).
type smtpTimeouts struct {
	Connect  time.Duration // dial and TLS on connect (ours: RFC 5321 has none)
	Greeting time.Duration // the 220
	Command  time.Duration // EHLO, STARTTLS, AUTH, MAIL, RCPT: each
	Data     time.Duration // DATA and its 354
	Block    time.Duration // each write of the message bytes
	End      time.Duration // the final "." and the reply to it
}

var defaultSMTPTimeouts = smtpTimeouts{
	Connect:  60 * time.Second,
	Greeting: 5 * time.Minute,
	Command:  5 * time.Minute,
	Data:     2 * time.Minute,
	Block:    3 * time.Minute,
	End:      10 * time.Minute,
}

// smtpServer is how to reach and log in to the server. Built once at Init and
// never written after, so any number of dials can share it.
type smtpServer struct {
	host        string
	address     string
	implicitTLS bool // port 465: TLS from the first byte (as gomail did)
	requireTLS  bool
	tlsConfig   *tls.Config
	logins      *smtpLogins // nil: no login
	timeouts    smtpTimeouts
}

// smtpLogins holds one smtp.Auth per mechanism; each is stateless, so one
// value serves every connection.
type smtpLogins struct {
	cramMD5, login, plain smtp.Auth
}

func newSMTPLogins(user, password, host string) *smtpLogins {
	return &smtpLogins{
		cramMD5: smtp.CRAMMD5Auth(user, password),
		login:   loginAuth{user: user, password: password, host: host},
		plain:   smtp.PlainAuth("", user, password, host),
	}
}

// choose picks the mechanism as gomail did: CRAM-MD5 when offered, LOGIN when
// offered without PLAIN, PLAIN otherwise.
func (l *smtpLogins) choose(offered []string) smtp.Auth {
	has := func(name string) bool { return containsFold(offered, name) }
	switch {
	case has("CRAM-MD5"):
		return l.cramMD5
	case has("LOGIN") && !has("PLAIN"):
		return l.login
	default:
		return l.plain
	}
}

// loginAuth is the LOGIN mechanism (net/smtp has none). Like gomail's, it
// sends the password without TLS only to a server that offers LOGIN there.
type loginAuth struct{ user, password, host string }

func (a loginAuth) Start(server *smtp.ServerInfo) (string, []byte, error) {
	if !server.TLS && !containsFold(server.Auth, "LOGIN") {
		return "", nil, errors.New("unencrypted connection")
	}
	if server.Name != a.host {
		return "", nil, errors.New("wrong host name")
	}
	return "LOGIN", nil, nil
}

func (a loginAuth) Next(challenge []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	switch prompt := strings.ToLower(strings.TrimSpace(string(challenge))); {
	case strings.HasPrefix(prompt, "username"):
		return []byte(a.user), nil
	case strings.HasPrefix(prompt, "password"):
		return []byte(a.password), nil
	default:
		return nil, fmt.Errorf("unexpected LOGIN challenge %q", challenge)
	}
}

// blockConn gives each write of the message bytes its own deadline while
// blockTimeout is set (the BODY step); the step's deadline covers the rest.
type blockConn struct {
	net.Conn
	blockTimeout time.Duration
}

func (c *blockConn) Write(p []byte) (int, error) {
	if c.blockTimeout > 0 {
		_ = c.Conn.SetWriteDeadline(time.Now().Add(c.blockTimeout))
	}
	return c.Conn.Write(p)
}

// smtpSession is one open SMTP connection, used by one send at a time.
type smtpSession struct {
	server     *smtpServer
	raw        *blockConn
	text       *textproto.Conn
	extensions map[string]string
	tls        bool
	lastUsed   time.Time
	// broken: the connection was closed or its state is unknown; never reuse it.
	broken bool
}

// dialSMTP opens a connection and takes it through greeting, EHLO, STARTTLS
// and AUTH, ready for MAIL.
func dialSMTP(ctx context.Context, server *smtpServer) (*smtpSession, error) {
	if ctx.Err() != nil {
		return nil, requestEnded(stepConnect, ctx)
	}
	dialer := net.Dialer{Timeout: server.timeouts.Connect}
	conn, err := dialer.DialContext(ctx, "tcp", server.address)
	if err != nil {
		return nil, newSMTPFailure(stepConnect, err, true, ctx.Err())
	}
	s := &smtpSession{server: server, raw: &blockConn{Conn: conn}}
	if err := s.open(ctx); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

func (s *smtpSession) open(ctx context.Context) error {
	if s.server.implicitTLS {
		if err := s.step(ctx, stepConnect, s.server.timeouts.Connect, s.startTLS); err != nil {
			return err
		}
	} else {
		s.text = textproto.NewConn(s.raw)
	}
	if err := s.step(ctx, stepGreeting, s.server.timeouts.Greeting, func() error {
		_, _, err := s.text.ReadResponse(220)
		return err
	}); err != nil {
		return err
	}
	if err := s.step(ctx, stepEHLO, s.server.timeouts.Command, s.hello); err != nil {
		return err
	}
	if !s.tls {
		_, offered := s.extensions["STARTTLS"]
		switch {
		case offered:
			if err := s.step(ctx, stepSTARTTLS, s.server.timeouts.Command, func() error {
				if _, _, err := s.cmd(220, "STARTTLS"); err != nil {
					return err
				}
				return s.startTLS()
			}); err != nil {
				return err
			}
			// RFC 3207: forget what the server said before TLS and ask again.
			if err := s.step(ctx, stepEHLO, s.server.timeouts.Command, s.hello); err != nil {
				return err
			}
		case s.server.requireTLS:
			s.broken = true
			return &smtpFailure{Step: stepSTARTTLS, Text: "server does not offer STARTTLS and requireTLS is on"}
		}
	}
	// As gomail did: a server that offers no AUTH takes mail without a login.
	if mechanisms, offered := s.extensions["AUTH"]; offered && s.server.logins != nil {
		auth := s.server.logins.choose(strings.Fields(mechanisms))
		if err := s.step(ctx, stepAuth, s.server.timeouts.Command, func() error { return s.authenticate(auth) }); err != nil {
			return err
		}
	}
	return nil
}

// deliver sends one message over an open session: ctx bounds the steps up to
// the final "." (the send window), endCtx the wait for the reply to it.
func (s *smtpSession) deliver(ctx, endCtx context.Context, from string, to []string, msg io.WriterTo) error {
	timeouts := s.server.timeouts
	if err := s.step(ctx, stepMail, timeouts.Command, func() error {
		_, _, err := s.cmd(250, "MAIL FROM:<%s>%s", from, s.mailParameters())
		return err
	}); err != nil {
		return err
	}
	for _, recipient := range to {
		if err := s.step(ctx, stepRcpt, timeouts.Command, func() error {
			_, _, err := s.cmd(25, "RCPT TO:<%s>", recipient) // 250 or 251
			return err
		}); err != nil {
			return err
		}
	}
	if err := s.step(ctx, stepData, timeouts.Data, func() error {
		_, _, err := s.cmd(354, "DATA")
		return err
	}); err != nil {
		return err
	}
	var body io.WriteCloser
	if err := s.step(ctx, stepBody, timeouts.Block, func() error {
		s.raw.blockTimeout = timeouts.Block
		defer func() { s.raw.blockTimeout = 0 }()
		body = s.text.DotWriter()
		if _, err := msg.WriteTo(body); err != nil {
			return err
		}
		// Everything but the final "." is on the wire before END begins.
		return s.text.W.Flush()
	}); err != nil {
		return err
	}
	// The final "." goes out only inside the window; once it has, the reply is
	// awaited for as long as the request lasts (up to timeoutEnd).
	if ctx.Err() != nil {
		s.broken = true
		return requestEnded(stepEnd, ctx)
	}
	return s.step(endCtx, stepEnd, timeouts.End, func() error {
		if err := body.Close(); err != nil { // writes the final "."
			return err
		}
		_, _, err := s.text.ReadResponse(250)
		return err
	})
}

// step runs one step of the conversation under its own deadline; ctx ending
// closes the connection at once. After any error the session is broken.
func (s *smtpSession) step(ctx context.Context, step smtpStep, timeout time.Duration, do func() error) error {
	if ctx.Err() != nil {
		s.broken = true
		return requestEnded(step, ctx)
	}
	_ = s.raw.SetDeadline(time.Now().Add(timeout))
	stop := context.AfterFunc(ctx, func() { _ = s.raw.Close() })
	err := do()
	var cancelled error
	if !stop() {
		// ctx ended during the step and closed the connection. A step that
		// completed first stands (a 250 to the final "." is a delivery).
		s.broken = true
		cancelled = context.Cause(ctx)
	}
	if err != nil {
		s.broken = true
		return newSMTPFailure(step, err, true, cancelled)
	}
	return nil
}

func (s *smtpSession) cmd(expect int, format string, args ...any) (int, string, error) {
	id, err := s.text.Cmd(format, args...)
	if err != nil {
		return 0, "", err
	}
	s.text.StartResponse(id)
	defer s.text.EndResponse(id)
	return s.text.ReadResponse(expect)
}

// hello sends EHLO (HELO to a server that does not know EHLO) and records the extensions offered.
func (s *smtpSession) hello() error {
	_, reply, err := s.cmd(250, "EHLO localhost")
	var refused *textproto.Error
	if errors.As(err, &refused) && (refused.Code == 500 || refused.Code == 502) {
		s.extensions = map[string]string{}
		_, _, err = s.cmd(250, "HELO localhost")
		return err
	}
	if err != nil {
		return err
	}
	s.extensions = map[string]string{}
	for _, line := range strings.Split(reply, "\n")[1:] {
		keyword, parameters, _ := strings.Cut(line, " ")
		s.extensions[strings.ToUpper(keyword)] = parameters
	}
	return nil
}

func (s *smtpSession) startTLS() error {
	conn := tls.Client(s.raw, s.server.tlsConfig)
	if err := conn.Handshake(); err != nil {
		return err
	}
	s.text = textproto.NewConn(conn)
	s.tls = true
	return nil
}

// authenticate runs an SMTP AUTH exchange (RFC 4954).
func (s *smtpSession) authenticate(auth smtp.Auth) error {
	mechanisms := strings.Fields(s.extensions["AUTH"])
	mechanism, response, err := auth.Start(&smtp.ServerInfo{Name: s.server.host, TLS: s.tls, Auth: mechanisms})
	if err != nil {
		return err
	}
	command := "AUTH " + mechanism
	if response != nil {
		command += " " + base64.StdEncoding.EncodeToString(response)
	}
	code, text, err := s.cmd(0, "%s", command)
	for {
		if err != nil {
			return err
		}
		switch code {
		case 235:
			return nil
		case 334:
			challenge, err := base64.StdEncoding.DecodeString(text)
			if err != nil {
				return fmt.Errorf("AUTH %s: undecodable challenge %q", mechanism, text)
			}
			answer, err := auth.Next(challenge, true)
			if err != nil {
				return err
			}
			code, text, err = s.cmd(0, "%s", base64.StdEncoding.EncodeToString(answer))
		default:
			return &textproto.Error{Code: code, Msg: text}
		}
	}
}

func containsFold(list []string, value string) bool {
	for _, item := range list {
		if strings.EqualFold(item, value) {
			return true
		}
	}
	return false
}

// mailParameters are the MAIL FROM parameters net/smtp sent for gomail.
func (s *smtpSession) mailParameters() string {
	var parameters bytes.Buffer
	if _, ok := s.extensions["8BITMIME"]; ok {
		parameters.WriteString(" BODY=8BITMIME")
	}
	if _, ok := s.extensions["SMTPUTF8"]; ok {
		parameters.WriteString(" SMTPUTF8")
	}
	return parameters.String()
}

// close drops the connection without a word: its state is unknown or it is broken.
func (s *smtpSession) close() {
	s.broken = true
	_ = s.raw.Close()
}

// quit ends a healthy connection politely, within a few seconds at most.
func (s *smtpSession) quit() {
	_ = s.raw.SetDeadline(time.Now().Add(smtpQuitTimeout))
	_, _, _ = s.cmd(221, "QUIT")
	s.close()
}

func smtpAddress(host string, port int) string {
	return net.JoinHostPort(host, strconv.Itoa(port))
}
