package main

// fakeSMTP is an SMTP server for the binding's tests: a real TCP listener on
// 127.0.0.1 that speaks enough SMTP (greeting, EHLO with or without STARTTLS
// and AUTH, AUTH PLAIN/LOGIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT) and can be
// told to misbehave at any step: stall, reply with a given line, or drop the
// connection. It records every command and every message it accepted.

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"io"
	"math/big"
	"net"
	"net/mail"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"
)

type fakeFault int

const (
	faultStall fakeFault = iota + 1 // no reply (and for BODY: no reading) until the test ends
	faultReply                      // this reply line instead of the normal one
	faultDrop                       // close the connection instead of replying (BODY: after reading a little)
	faultDelay                      // the normal reply, `delay` late (not for BODY)
)

type fakeAction struct {
	fault fakeFault
	reply string
	delay time.Duration
	times int // how many times it applies; 0: every time
}

func stall() fakeAction               { return fakeAction{fault: faultStall} }
func drop() fakeAction                { return fakeAction{fault: faultDrop} }
func reply(line string) fakeAction    { return fakeAction{fault: faultReply, reply: line} }
func late(d time.Duration) fakeAction { return fakeAction{fault: faultDelay, delay: d} }
func (a fakeAction) once() fakeAction { a.times = 1; return a }

// fakeMessage is a message the server accepted (250 to the final ".").
type fakeMessage struct {
	from   string
	to     []string
	header mail.Header
	body   string
}

type fakeOptions struct {
	startTLS bool   // offer STARTTLS (self-signed certificate for 127.0.0.1)
	auth     string // AUTH mechanisms offered, "" for none
}

const (
	fakeUser     = "orderflow"
	fakePassword = "s3cret"
)

type fakeSMTP struct {
	t        *testing.T
	options  fakeOptions
	listener net.Listener
	port     string
	release  chan struct{} // closed when the test ends: stalled sessions end
	wg       sync.WaitGroup

	mu         sync.Mutex
	faults     map[smtpStep]*fakeAction
	commands   []string // every command, "AUTH" or "AUTH/tls", in the order received
	logins     []string // the mechanism of each successful AUTH
	messages   []fakeMessage
	open       map[net.Conn]bool
	accepted   int // connections accepted so far
	mostAtOnce int // the most connections open at once
}

func startFakeSMTP(t *testing.T, options fakeOptions) *fakeSMTP {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeSMTP{
		t:        t,
		options:  options,
		listener: listener,
		port:     strings.TrimPrefix(listener.Addr().String(), "127.0.0.1:"),
		release:  make(chan struct{}),
		faults:   map[smtpStep]*fakeAction{},
		open:     map[net.Conn]bool{},
	}
	f.wg.Add(1)
	go f.accept()
	t.Cleanup(func() {
		close(f.release)
		_ = listener.Close()
		f.dropConnections()
		f.wg.Wait()
	})
	return f
}

// on makes the server misbehave at step.
func (f *fakeSMTP) on(step smtpStep, action fakeAction) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults[step] = &action
}

func (f *fakeSMTP) fault(step smtpStep) *fakeAction {
	f.mu.Lock()
	defer f.mu.Unlock()
	action := f.faults[step]
	if action == nil {
		return nil
	}
	taken := *action
	if action.times > 0 {
		if action.times--; action.times == 0 {
			delete(f.faults, step)
		}
	}
	return &taken
}

// dropConnections closes every open connection, as a server restarting or
// ending idle connections does.
func (f *fakeSMTP) dropConnections() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for conn := range f.open {
		_ = conn.Close()
	}
}

func (f *fakeSMTP) delivered() []fakeMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeMessage(nil), f.messages...)
}

func (f *fakeSMTP) seen() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.commands...)
}

// count is how many times command was received (with or without TLS).
func (f *fakeSMTP) count(command string) int {
	n := 0
	for _, seen := range f.seen() {
		if strings.TrimSuffix(seen, "/tls") == command {
			n++
		}
	}
	return n
}

func (f *fakeSMTP) loginsBy() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.logins...)
}

func (f *fakeSMTP) connections() (accepted, mostAtOnce int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.accepted, f.mostAtOnce
}

func (f *fakeSMTP) accept() {
	defer f.wg.Done()
	for {
		conn, err := f.listener.Accept()
		if err != nil {
			return
		}
		f.mu.Lock()
		f.open[conn] = true
		f.accepted++
		f.mostAtOnce = max(f.mostAtOnce, len(f.open))
		f.mu.Unlock()
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			defer func() {
				f.mu.Lock()
				delete(f.open, conn)
				f.mu.Unlock()
				_ = conn.Close()
			}()
			(&fakeSession{server: f, conn: conn, text: textproto.NewConn(conn)}).serve()
		}()
	}
}

type fakeSession struct {
	server *fakeSMTP
	conn   net.Conn
	text   *textproto.Conn
	tls    bool
	authed bool
	from   string
	to     []string
}

// answer sends the normal reply of step, or what the test asked for instead.
// It returns false when the session must end (stalled or dropped), and
// accepted false when the normal reply was replaced.
func (s *fakeSession) answer(step smtpStep, normal ...string) (goOn, accepted bool) {
	return s.answerAccepting(step, nil, normal...)
}

// answerAccepting is answer that runs accept before the normal reply is written
// (what the client learns from the reply has happened by then).
func (s *fakeSession) answerAccepting(step smtpStep, accept func(), normal ...string) (goOn, accepted bool) {
	if action := s.server.fault(step); action != nil {
		switch action.fault {
		case faultStall:
			<-s.server.release
			return false, false
		case faultDrop:
			return false, false
		case faultReply:
			return s.text.PrintfLine("%s", action.reply) == nil, false
		case faultDelay:
			select {
			case <-time.After(action.delay):
			case <-s.server.release:
				return false, false
			}
		}
	}
	if accept != nil {
		accept()
	}
	for _, line := range normal {
		if s.text.PrintfLine("%s", line) != nil {
			return false, false
		}
	}
	return true, true
}

func (s *fakeSession) serve() {
	if goOn, _ := s.answer(stepGreeting, "220 fake.test ESMTP ready"); !goOn {
		return
	}
	for {
		line, err := s.text.ReadLine()
		if err != nil {
			return
		}
		verb, argument, _ := strings.Cut(line, " ")
		verb = strings.ToUpper(verb)
		s.record(verb)
		goOn := true
		switch verb {
		case "EHLO":
			goOn, _ = s.answer(stepEHLO, s.ehloReply()...)
		case "HELO":
			goOn = s.text.PrintfLine("250 fake.test") == nil
		case "STARTTLS":
			goOn = s.startTLS()
		case "AUTH":
			goOn = s.authenticate(argument)
		case "MAIL":
			var accepted bool
			if goOn, accepted = s.answer(stepMail, "250 2.1.0 sender ok"); accepted {
				s.from, s.to = envelopeArgument(argument, "FROM:"), nil
			}
		case "RCPT":
			var accepted bool
			if goOn, accepted = s.answer(stepRcpt, "250 2.1.5 recipient ok"); accepted {
				s.to = append(s.to, envelopeArgument(argument, "TO:"))
			}
		case "DATA":
			goOn = s.data()
		case "RSET":
			s.from, s.to = "", nil
			goOn = s.text.PrintfLine("250 2.0.0 reset") == nil
		case "NOOP":
			goOn = s.text.PrintfLine("250 2.0.0 ok") == nil
		case "QUIT":
			_ = s.text.PrintfLine("221 2.0.0 bye")
			return
		default:
			goOn = s.text.PrintfLine("500 5.5.1 unknown command") == nil
		}
		if !goOn {
			return
		}
	}
}

func (s *fakeSession) record(verb string) {
	if s.tls {
		verb += "/tls"
	}
	s.server.mu.Lock()
	defer s.server.mu.Unlock()
	s.server.commands = append(s.server.commands, verb)
}

func (s *fakeSession) ehloReply() []string {
	lines := []string{"fake.test greets you", "8BITMIME", "PIPELINING"}
	if s.server.options.startTLS && !s.tls {
		lines = append(lines, "STARTTLS")
	}
	if s.server.options.auth != "" {
		lines = append(lines, "AUTH "+s.server.options.auth)
	}
	for i := range lines {
		separator := "-"
		if i == len(lines)-1 {
			separator = " "
		}
		lines[i] = "250" + separator + lines[i]
	}
	return lines
}

func (s *fakeSession) startTLS() bool {
	if !s.server.options.startTLS || s.tls {
		return s.text.PrintfLine("502 5.5.1 no STARTTLS here") == nil
	}
	goOn, accepted := s.answer(stepSTARTTLS, "220 2.0.0 go ahead")
	if !accepted {
		return goOn
	}
	conn := tls.Server(s.conn, &tls.Config{Certificates: []tls.Certificate{fakeCertificate(s.server.t)}})
	_ = s.conn.SetDeadline(time.Now().Add(5 * time.Second))
	if err := conn.Handshake(); err != nil {
		return false
	}
	_ = s.conn.SetDeadline(time.Time{})
	s.text, s.tls, s.authed = textproto.NewConn(conn), true, false
	return true
}

func (s *fakeSession) authenticate(argument string) bool {
	mechanism, initial, _ := strings.Cut(argument, " ")
	var user, password string
	switch strings.ToUpper(mechanism) {
	case "PLAIN":
		if initial == "" {
			var ok bool
			if initial, ok = s.prompt(""); !ok {
				return false
			}
		}
		decoded, _ := base64.StdEncoding.DecodeString(initial)
		if parts := strings.Split(string(decoded), "\x00"); len(parts) == 3 {
			user, password = parts[1], parts[2]
		}
	case "LOGIN":
		var ok bool
		if user, ok = s.prompt("Username:"); !ok {
			return false
		}
		if password, ok = s.prompt("Password:"); !ok {
			return false
		}
		user, password = decode64(user), decode64(password)
	default:
		return s.text.PrintfLine("504 5.5.4 mechanism not supported") == nil
	}
	if user != fakeUser || password != fakePassword {
		return s.text.PrintfLine("535 5.7.8 bad credentials") == nil
	}
	goOn, accepted := s.answer(stepAuth, "235 2.7.0 authenticated")
	if s.authed = accepted; accepted {
		s.server.mu.Lock()
		s.server.logins = append(s.server.logins, strings.ToUpper(mechanism))
		s.server.mu.Unlock()
	}
	return goOn
}

// prompt sends a 334 challenge and reads the client's base64 answer.
func (s *fakeSession) prompt(challenge string) (string, bool) {
	if s.text.PrintfLine("334 %s", base64.StdEncoding.EncodeToString([]byte(challenge))) != nil {
		return "", false
	}
	answer, err := s.text.ReadLine()
	return answer, err == nil
}

func decode64(text string) string {
	decoded, _ := base64.StdEncoding.DecodeString(text)
	return string(decoded)
}

func (s *fakeSession) data() bool {
	if s.server.options.auth != "" && !s.authed {
		return s.text.PrintfLine("530 5.7.0 authentication required") == nil
	}
	if goOn, accepted := s.answer(stepData, "354 end with <CRLF>.<CRLF>"); !accepted {
		return goOn
	}
	if action := s.server.fault(stepBody); action != nil {
		switch action.fault {
		case faultStall:
			<-s.server.release
		case faultDrop:
			_, _ = io.CopyN(io.Discard, s.text.R, 64<<10)
		}
		return false
	}
	raw, err := s.text.ReadDotBytes()
	if err != nil {
		return false
	}
	goOn, _ := s.answerAccepting(stepEnd, func() {
		message, err := mail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			s.server.t.Errorf("the fake SMTP server got a message it cannot parse: %v", err)
			return
		}
		body, _ := io.ReadAll(message.Body)
		s.server.mu.Lock()
		s.server.messages = append(s.server.messages, fakeMessage{from: s.from, to: s.to, header: message.Header, body: string(body)})
		s.server.mu.Unlock()
	}, "250 2.0.0 queued")
	s.from, s.to = "", nil
	return goOn
}

// envelopeArgument is the address of "FROM:<a@b> BODY=8BITMIME".
func envelopeArgument(argument, prefix string) string {
	argument = strings.TrimSpace(argument)
	if len(argument) >= len(prefix) && strings.EqualFold(argument[:len(prefix)], prefix) {
		argument = argument[len(prefix):]
	}
	address, _, _ := strings.Cut(argument, " ")
	return strings.Trim(address, "<>")
}

var (
	fakeCertificateOnce sync.Once
	fakeCertificatePair tls.Certificate
)

// fakeCertificate is a self-signed certificate for 127.0.0.1, made once per test run.
func fakeCertificate(t *testing.T) tls.Certificate {
	fakeCertificateOnce.Do(func() {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		template := &x509.Certificate{
			SerialNumber: big.NewInt(1),
			Subject:      pkix.Name{CommonName: "fake.test"},
			IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
			NotBefore:    time.Now().Add(-time.Hour),
			NotAfter:     time.Now().Add(time.Hour),
			KeyUsage:     x509.KeyUsageDigitalSignature,
			ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		}
		der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
		if err != nil {
			t.Fatal(err)
		}
		fakeCertificatePair = tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	})
	return fakeCertificatePair
}
