package main

// orderflow's SMTP output binding, registered as bindings.smtp in place of
// components-contrib's (bindings/smtp v1.18.4), with the same metadata and the
// same messages. Two things differ, both found by `npm run bench`:
//
//  1. Contrib's Invoke merges each request's metadata into the component's one
//     shared settings struct (mergeWithRequestMetadata has a pointer receiver),
//     so two sends at once can swap recipients. Here every request works on a
//     copy of the settings.
//  2. Contrib dials a new SMTP connection for every e-mail. An SMTP server
//     greets a new connection when it is ready: MailDev's (nodemailer's
//     smtp-server) waits 100 ms first, to catch clients that talk too early, so
//     each e-mail cost 100 ms and a sidecar sent at most ~10 per second. Here
//     up to maxConnections (metadata, default 4) connections are kept and
//     reused, each carrying one e-mail at a time; the one used last is used
//     next (so a quiet sidecar keeps one warm connection), one unused for
//     idleTimeout is closed, as is one after any error. Sends beyond the pool
//     wait their turn (or their request's deadline).
//
// A reused connection the server has closed fails before the message is handed
// over (MAIL FROM); only then is the e-mail sent again on a new connection, so a
// retry can never deliver it twice.

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"gopkg.in/gomail.v2"

	"github.com/dapr/components-contrib/bindings"
	contribsmtp "github.com/dapr/components-contrib/bindings/smtp"
	"github.com/dapr/components-contrib/metadata"
	"github.com/dapr/kit/logger"
	kitmd "github.com/dapr/kit/metadata"
)

const (
	smtpDefaultPriority       = 3
	smtpIdleTimeout           = 5 * time.Second
	smtpDefaultMaxConnections = 4
	smtpMaxMaxConnections     = 64
)

// smtpConnection is one connection of the pool (sender nil: not dialled yet, or closed).
type smtpConnection struct {
	sender   gomail.SendCloser
	lastUsed time.Time
}

type reusingMailer struct {
	logger   logger.Logger
	settings contribsmtp.Metadata
	dialer   *gomail.Dialer

	// A send holds one permit while it uses a connection: at most maxConnections at once.
	permits chan struct{}

	mu     sync.Mutex
	idle   []*smtpConnection // connections not in use, the one used last at the end
	closed bool
}

func newReusingSMTP(log logger.Logger) bindings.OutputBinding {
	return &reusingMailer{logger: log}
}

func (s *reusingMailer) Init(_ context.Context, meta bindings.Metadata) error {
	settings := contribsmtp.Metadata{}
	if err := kitmd.DecodeMetadata(meta.Properties, &settings); err != nil {
		return err
	}
	if settings.Host == "" || settings.Port == 0 {
		return errors.New("smtp binding error: host and port fields are required in metadata")
	}
	if (settings.User == "") != (settings.Password == "") {
		return errors.New("smtp binding error: both user and password fields are required in metadata")
	}
	if settings.SkipTLSVerify {
		s.logger.Warn("smtp binding warning: Skip TLS Verification is enabled. This is insecure and is NOT recommended for production scenarios.")
	}
	priority, err := parseSMTPPriority(meta.Properties["priority"])
	if err != nil {
		return err
	}
	settings.Priority = priority
	maxConnections, err := parseSMTPMaxConnections(meta.Properties["maxConnections"])
	if err != nil {
		return err
	}
	s.permits = make(chan struct{}, maxConnections)
	s.settings = settings
	s.dialer = gomail.NewDialer(settings.Host, settings.Port, settings.User, settings.Password)
	if settings.SkipTLSVerify {
		/* #nosec */
		s.dialer.TLSConfig = &tls.Config{InsecureSkipVerify: true}
	}
	return nil
}

func parseSMTPPriority(value string) (int, error) {
	if value == "" {
		return smtpDefaultPriority, nil
	}
	priority, err := strconv.Atoi(value)
	if err != nil {
		return 0, err
	}
	if priority < 1 || priority > 5 {
		return 0, fmt.Errorf("smtp binding error:  priority value must be between %d (highest) and %d (lowest)", 1, 5)
	}
	return priority, nil
}

func parseSMTPMaxConnections(value string) (int, error) {
	if value == "" {
		return smtpDefaultMaxConnections, nil
	}
	count, err := strconv.Atoi(value)
	if err != nil || count < 1 || count > smtpMaxMaxConnections {
		return 0, fmt.Errorf("smtp binding error: maxConnections must be a whole number from 1 to %d, not %q", smtpMaxMaxConnections, value)
	}
	return count, nil
}

func (s *reusingMailer) Operations() []bindings.OperationKind {
	return []bindings.OperationKind{bindings.CreateOperation}
}

func (s *reusingMailer) Invoke(ctx context.Context, req *bindings.InvokeRequest) (*bindings.InvokeResponse, error) {
	m := s.settings // a copy: nothing of this request reaches another one
	for key, field := range map[string]*string{"emailFrom": &m.EmailFrom, "emailTo": &m.EmailTo, "emailCC": &m.EmailCC, "emailBCC": &m.EmailBCC, "subject": &m.Subject} {
		if value := req.Metadata[key]; value != "" {
			*field = value
		}
	}
	if value := req.Metadata["priority"]; value != "" {
		priority, err := parseSMTPPriority(value)
		if err != nil {
			return nil, err
		}
		m.Priority = priority
	}
	switch {
	case m.EmailFrom == "":
		return nil, errors.New("smtp binding error: emailFrom property not supplied in configuration- or request-metadata")
	case m.EmailTo == "":
		return nil, errors.New("smtp binding error: emailTo property not supplied in configuration- or request-metadata")
	case m.Subject == "":
		return nil, errors.New("smtp binding error: subject property not supplied in configuration- or request-metadata")
	}

	// The message, exactly as contrib composes it.
	msg := gomail.NewMessage()
	msg.SetHeader("From", m.EmailFrom)
	msg.SetHeader("To", splitAddresses(m.EmailTo)...)
	if m.EmailCC != "" {
		msg.SetHeader("Cc", splitAddresses(m.EmailCC)...)
	}
	if m.EmailBCC != "" {
		msg.SetHeader("Bcc", splitAddresses(m.EmailBCC)...)
	}
	msg.SetHeader("Subject", m.Subject)
	msg.SetHeader("X-priority", strconv.Itoa(m.Priority))
	if body, err := strconv.Unquote(string(req.Data)); err == nil {
		msg.SetBody("text/html", body)
	} else {
		// Data that came over gRPC is not quoted.
		msg.SetBody("text/html", string(req.Data))
	}

	// The envelope, as gomail.Send derives it from the headers.
	from, err := envelopeAddress(m.EmailFrom)
	if err != nil {
		return nil, err
	}
	var to []string
	for _, list := range []string{m.EmailTo, m.EmailCC, m.EmailBCC} {
		if list == "" {
			continue
		}
		for _, field := range splitAddresses(list) {
			address, err := envelopeAddress(field)
			if err != nil {
				return nil, err
			}
			to = appendUnique(to, address)
		}
	}

	if err := s.send(ctx, from, to, msg); err != nil {
		return nil, fmt.Errorf("error from smtp binding, sending email failed: %+v", err)
	}
	s.logger.Debug("smtp binding: sent email successfully")
	return nil, nil
}

// handedOver records whether the message itself reached the server (DATA).
type handedOver struct {
	msg     io.WriterTo
	started bool
}

func (h *handedOver) WriteTo(w io.Writer) (int64, error) {
	h.started = true
	return h.msg.WriteTo(w)
}

func (s *reusingMailer) send(ctx context.Context, from string, to []string, msg *gomail.Message) error {
	select {
	case s.permits <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("no SMTP connection free before the request's deadline: %w", ctx.Err())
	}
	defer func() { <-s.permits }()
	conn := s.takeConnection()
	defer s.returnConnection(conn)
	for attempt := 0; ; attempt++ {
		fresh := false
		if conn.sender != nil && time.Since(conn.lastUsed) > smtpIdleTimeout {
			conn.close()
		}
		if conn.sender == nil {
			sender, err := s.dialer.Dial()
			if err != nil {
				return err
			}
			conn.sender, fresh = sender, true
		}
		payload := &handedOver{msg: msg}
		err := conn.sender.Send(from, to, payload)
		if err == nil {
			conn.lastUsed = time.Now()
			return nil
		}
		// After any error the SMTP session is in an unknown state: start the next send on a new one.
		conn.close()
		if fresh || payload.started || attempt > 0 {
			return err
		}
		// A reused connection failed before the message was handed over: nothing was sent.
	}
}

// takeConnection hands out the connection used last, or a new (undialled) one.
func (s *reusingMailer) takeConnection() *smtpConnection {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := len(s.idle); n > 0 {
		conn := s.idle[n-1]
		s.idle = s.idle[:n-1]
		return conn
	}
	return &smtpConnection{}
}

// returnConnection keeps a connection for the next send and closes the ones
// left unused for idleTimeout (they sit at the front).
func (s *reusingMailer) returnConnection(conn *smtpConnection) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		conn.close()
		return
	}
	if conn.sender != nil {
		s.idle = append(s.idle, conn)
	}
	for len(s.idle) > 0 && time.Since(s.idle[0].lastUsed) > smtpIdleTimeout {
		s.idle[0].close()
		s.idle = s.idle[1:]
	}
}

func (c *smtpConnection) close() {
	if c.sender != nil {
		_ = c.sender.Close()
		c.sender = nil
	}
}

func splitAddresses(list string) []string {
	return strings.Split(list, ";")
}

func envelopeAddress(field string) (string, error) {
	address, err := mail.ParseAddress(field)
	if err != nil {
		return "", fmt.Errorf("gomail: invalid address %q: %v", field, err)
	}
	return address.Address, nil
}

func appendUnique(list []string, value string) []string {
	for _, existing := range list {
		if existing == value {
			return list
		}
	}
	return append(list, value)
}

func (s *reusingMailer) GetComponentMetadata() (metadataInfo metadata.MetadataMap) {
	_ = metadata.GetMetadataInfoFromStructType(reflect.TypeOf(contribsmtp.Metadata{}), &metadataInfo, metadata.BindingType)
	return
}

// Close closes the idle connections now and those in use as their sends end.
func (s *reusingMailer) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for _, conn := range s.idle {
		conn.close()
	}
	s.idle = nil
	return nil
}
