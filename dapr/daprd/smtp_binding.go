package main

// orderflow's SMTP output binding, registered as bindings.smtp in place of
// components-contrib's (bindings/smtp v1.18.4): the same metadata, the same
// message (gomail composes it), but its own SMTP client. What differs:
//
//  1. Each request works on a copy of the settings (contrib merges request
//     metadata into one shared struct, so two sends at once can swap recipients).
//  2. Connections are kept and reused, up to maxConnections (default 4), one
//     e-mail at a time each (contrib dials per e-mail, and a server's greeting
//     delay capped a sidecar at ~10 e-mails/s). The one used last goes next;
//     one idle for 5 s is closed, as is one after any error.
//  3. Every SMTP step has its own deadline (RFC 5321 §4.5.3.2, metadata
//     timeout*) and ends at once when the request's ctx ends: a server that
//     accepts and hangs cannot wedge the pool.
//  4. A failure names its step and whether the message may have been accepted
//     (smtp_failure.go): the app decides from that whether a resend is safe.
//  5. The login is built once at Init (contrib's dialer was written by every
//     dial); requireTLS (default false) refuses to go on without STARTTLS.
//
// A reused connection the server has closed fails at MAIL, before anything is
// handed over; only then is the e-mail sent again, on a new connection.

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
	smtpQuitTimeout           = 5 * time.Second
	smtpDefaultMaxConnections = 4
	smtpMaxMaxConnections     = 64
)

// smtpAddedMetadata is the metadata this binding reads beyond contrib's.
type smtpAddedMetadata struct {
	MaxConnections  int    `mapstructure:"maxConnections"`
	RequireTLS      bool   `mapstructure:"requireTLS"`
	TimeoutConnect  string `mapstructure:"timeoutConnect"`
	TimeoutGreeting string `mapstructure:"timeoutGreeting"`
	TimeoutCommand  string `mapstructure:"timeoutCommand"`
	TimeoutData     string `mapstructure:"timeoutData"`
	TimeoutBlock    string `mapstructure:"timeoutBlock"`
	TimeoutEnd      string `mapstructure:"timeoutEnd"`
}

type reusingMailer struct {
	logger   logger.Logger
	settings contribsmtp.Metadata
	server   *smtpServer

	// A send holds one permit while it uses a connection: at most maxConnections at once.
	permits chan struct{}

	mu     sync.Mutex
	idle   []*smtpSession // connections not in use, the one used last at the end
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
	requireTLS, err := parseSMTPRequireTLS(meta.Properties["requireTLS"])
	if err != nil {
		return err
	}
	timeouts, err := parseSMTPTimeouts(meta.Properties)
	if err != nil {
		return err
	}
	s.permits = make(chan struct{}, maxConnections)
	s.settings = settings
	s.server = &smtpServer{
		host:        settings.Host,
		address:     smtpAddress(settings.Host, settings.Port),
		implicitTLS: settings.Port == 465,
		requireTLS:  requireTLS,
		tlsConfig:   &tls.Config{ServerName: settings.Host, MinVersion: tls.VersionTLS12},
		timeouts:    timeouts,
	}
	if settings.SkipTLSVerify {
		s.server.tlsConfig.InsecureSkipVerify = true // #nosec G402 -- the operator asked for it, and was warned above
	}
	if settings.User != "" {
		s.server.logins = newSMTPLogins(settings.User, settings.Password, settings.Host)
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

func parseSMTPRequireTLS(value string) (bool, error) {
	if value == "" {
		return false, nil // contrib's behaviour: STARTTLS when the server offers it
	}
	required, err := strconv.ParseBool(value)
	if err != nil {
		return false, fmt.Errorf("smtp binding error: requireTLS must be true or false, not %q", value)
	}
	return required, nil
}

// parseSMTPTimeouts reads timeoutConnect, ... (Go durations) over the defaults.
func parseSMTPTimeouts(properties map[string]string) (smtpTimeouts, error) {
	timeouts := defaultSMTPTimeouts
	for name, field := range map[string]*time.Duration{
		"timeoutConnect":  &timeouts.Connect,
		"timeoutGreeting": &timeouts.Greeting,
		"timeoutCommand":  &timeouts.Command,
		"timeoutData":     &timeouts.Data,
		"timeoutBlock":    &timeouts.Block,
		"timeoutEnd":      &timeouts.End,
	} {
		value := properties[name]
		if value == "" {
			continue
		}
		duration, err := time.ParseDuration(value)
		if err != nil || duration <= 0 {
			return smtpTimeouts{}, fmt.Errorf("smtp binding error: %s must be a positive duration such as \"5m\", not %q", name, value)
		}
		*field = duration
	}
	return timeouts, nil
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

	from, to, err := envelope(m)
	if err != nil {
		return nil, sendingFailed(&smtpFailure{Step: stepAddress, Text: err.Error()})
	}
	// completeBefore (RFC 3339, request metadata): the server must have the whole
	// message by then, or it is abandoned unsent. Only the wait for the reply to
	// the final "." may run past it. notification-service sets it so that a send
	// taken over after its lease ran out can never overlap the one before it.
	window, closeWindow, err := sendWindow(ctx, req.Metadata["completeBefore"])
	if err != nil {
		return nil, err
	}
	defer closeWindow()
	if err := s.send(window, ctx, from, to, msg); err != nil {
		return nil, sendingFailed(err)
	}
	s.logger.Debug("smtp binding: sent email successfully")
	return nil, nil
}

// sendingFailed is the error Invoke returns: the app reads failure's tokens
// right after "sending email failed: ".
func sendingFailed(failure *smtpFailure) error {
	return fmt.Errorf("error from smtp binding, sending email failed: %w", failure)
}

// envelope is the sender and the recipients, as gomail.Send derives them from the headers.
func envelope(m contribsmtp.Metadata) (from string, to []string, err error) {
	if from, err = envelopeAddress(m.EmailFrom); err != nil {
		return "", nil, err
	}
	for _, list := range []string{m.EmailTo, m.EmailCC, m.EmailBCC} {
		if list == "" {
			continue
		}
		for _, field := range splitAddresses(list) {
			address, err := envelopeAddress(field)
			if err != nil {
				return "", nil, err
			}
			to = appendUnique(to, address)
		}
	}
	return from, to, nil
}

// errSendWindowClosed is the cause of a send abandoned at completeBefore.
var errSendWindowClosed = errors.New("the send window (completeBefore) closed before the message was complete")

// sendWindow is ctx ending at completeBefore too (unchanged when it is empty).
func sendWindow(ctx context.Context, completeBefore string) (context.Context, context.CancelFunc, error) {
	if completeBefore == "" {
		return ctx, func() {}, nil
	}
	deadline, err := time.Parse(time.RFC3339Nano, completeBefore)
	if err != nil {
		return nil, nil, fmt.Errorf("smtp binding error: completeBefore must be an RFC 3339 time, not %q", completeBefore)
	}
	window, cancel := context.WithDeadlineCause(ctx, deadline, errSendWindowClosed)
	return window, cancel, nil
}

// send delivers over a pooled connection, waiting for a free one if need be.
// ctx bounds every step up to the final "."; endCtx (the request itself) the
// wait for the reply to it.
func (s *reusingMailer) send(ctx, endCtx context.Context, from string, to []string, msg io.WriterTo) *smtpFailure {
	select {
	case s.permits <- struct{}{}:
	case <-ctx.Done():
		return &smtpFailure{Step: stepQueue, Text: fmt.Sprintf("no SMTP connection became free before the request ended: %s", context.Cause(ctx))}
	}
	defer func() { <-s.permits }()
	session := s.takeConnection()
	defer func() { s.returnConnection(session) }()
	for attempt := 0; ; attempt++ {
		if session != nil && time.Since(session.lastUsed) > smtpIdleTimeout {
			go session.quit()
			session = nil
		}
		reused := session != nil
		if session == nil {
			var err error
			if session, err = dialSMTP(ctx, s.server); err != nil {
				return asSMTPFailure(err)
			}
		}
		err := session.deliver(ctx, endCtx, from, to, msg)
		if err == nil {
			session.lastUsed = time.Now()
			return nil
		}
		session.close()
		session = nil
		failure := asSMTPFailure(err)
		// A reused connection the server has closed (idle timeout, restart)
		// fails at MAIL, before anything was handed over: only then send again.
		if !reused || attempt > 0 || failure.Step != stepMail || ctx.Err() != nil {
			return failure
		}
		s.logger.Debugf("smtp binding: a reused connection failed at MAIL (%s); sending on a new one", failure.Text)
	}
}

func asSMTPFailure(err error) *smtpFailure {
	var failure *smtpFailure
	if errors.As(err, &failure) {
		return failure
	}
	return &smtpFailure{Step: stepConnect, Text: err.Error()} // not reached: the session reports every error as a step's
}

// takeConnection hands out the connection used last, or nil (dial one).
func (s *reusingMailer) takeConnection() *smtpSession {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := len(s.idle); n > 0 {
		session := s.idle[n-1]
		s.idle = s.idle[:n-1]
		return session
	}
	return nil
}

// returnConnection keeps a healthy connection for the next send and ends the
// ones left unused for idleTimeout (they sit at the front).
func (s *reusingMailer) returnConnection(session *smtpSession) {
	if session == nil {
		return
	}
	if session.broken {
		session.close()
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		go session.quit()
		return
	}
	s.idle = append(s.idle, session)
	for len(s.idle) > 0 && time.Since(s.idle[0].lastUsed) > smtpIdleTimeout {
		go s.idle[0].quit()
		s.idle = s.idle[1:]
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
	_ = metadata.GetMetadataInfoFromStructType(reflect.TypeOf(smtpAddedMetadata{}), &metadataInfo, metadata.BindingType)
	return
}

// Close ends the idle connections now and those in use as their sends end.
func (s *reusingMailer) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for _, session := range s.idle {
		go session.quit()
	}
	s.idle = nil
	return nil
}
