package main

// How a failed send is reported to the app. notification-service decides
// whether to retry, and whether a retry could duplicate the e-mail, from the
// tokens of this text alone, so their names, order and values are a contract
// (see smtpFailureText).

import (
	"context"
	"errors"
	"fmt"
	"net/textproto"
	"regexp"
	"strconv"
	"strings"
)

// smtpStep is where in the SMTP conversation a send failed.
type smtpStep string

const (
	stepConnect  smtpStep = "CONNECT"  // dial, TCP, TLS on connect
	stepGreeting smtpStep = "GREETING" // the server's 220
	stepEHLO     smtpStep = "EHLO"
	stepSTARTTLS smtpStep = "STARTTLS"
	stepAuth     smtpStep = "AUTH"
	stepMail     smtpStep = "MAIL"
	stepRcpt     smtpStep = "RCPT"
	stepData     smtpStep = "DATA" // the DATA command and its 354
	stepBody     smtpStep = "BODY" // the message bytes, before the final "."
	stepEnd      smtpStep = "END"  // the final "." and the server's reply to it
	stepQueue    smtpStep = "QUEUE"
	stepAddress  smtpStep = "ADDRESS" // an address that cannot be parsed: nothing was contacted
)

// smtpFailure is a failed send. Unknown is true only when the final "." may
// have reached the server and no definitive reply was read: the one case in
// which sending again may deliver the e-mail twice.
type smtpFailure struct {
	Step     smtpStep
	Unknown  bool
	Reply    int    // the server's reply code; 0 when it gave none
	Enhanced string // the RFC 3463 code the reply text starts with, if any
	Text     string
}

func (f *smtpFailure) Error() string { return smtpFailureText(f) }

// smtpFailureText formats a failure as the app parses it:
//
//	smtp-step=<STEP> smtp-outcome=<not-sent|unknown> [smtp-reply=<code>] [smtp-enhanced=<x.y.z>] :: <human text>
func smtpFailureText(f *smtpFailure) string {
	var b strings.Builder
	b.WriteString("smtp-step=")
	b.WriteString(string(f.Step))
	if f.Unknown {
		b.WriteString(" smtp-outcome=unknown")
	} else {
		b.WriteString(" smtp-outcome=not-sent")
	}
	if f.Reply != 0 {
		b.WriteString(" smtp-reply=")
		b.WriteString(strconv.Itoa(f.Reply))
	}
	if f.Enhanced != "" {
		b.WriteString(" smtp-enhanced=")
		b.WriteString(f.Enhanced)
	}
	b.WriteString(" :: ")
	b.WriteString(f.Text)
	return b.String()
}

// RFC 3463: class.subject.detail at the start of the reply text.
var enhancedStatusCode = regexp.MustCompile(`^([245]\.\d{1,3}\.\d{1,3})(\s|$)`)

// newSMTPFailure describes err, which ended step. started says whether the
// step had begun talking to the server (false: the request ended first).
// cancelled is the request's ctx error when ctx ending closed the connection.
func newSMTPFailure(step smtpStep, err error, started bool, cancelled error) *smtpFailure {
	f := &smtpFailure{Step: step, Text: oneLine(err.Error())}
	var reply *textproto.Error
	if errors.As(err, &reply) {
		f.Reply = reply.Code
		if m := enhancedStatusCode.FindStringSubmatch(reply.Msg); m != nil {
			f.Enhanced = m[1]
		}
		// The reply as the server wrote it (textproto.Error quotes it).
		f.Text = oneLine(fmt.Sprintf("%03d %s", reply.Code, reply.Msg))
	}
	if cancelled != nil {
		f.Text = fmt.Sprintf("%s (the request ended, so the connection was closed): %s", cancelled, f.Text)
	}
	// Only a 4xx or 5xx reply to the final "." says for certain it was refused.
	f.Unknown = step == stepEnd && started && f.Reply < 400
	return f
}

// oneLine joins the lines of a multi-line reply, so a log line stays one line.
func oneLine(text string) string {
	return strings.Join(strings.FieldsFunc(text, func(r rune) bool { return r == '\r' || r == '\n' }), " ")
}

// requestEnded is the failure of a step that never began because ctx had ended.
func requestEnded(step smtpStep, ctx context.Context) *smtpFailure {
	return &smtpFailure{Step: step, Text: fmt.Sprintf("%s before the %s step began", context.Cause(ctx), step)}
}
