package main

import (
	"context"
	"errors"
	"io"
	"net/textproto"
	"testing"
)

func TestAFailureIsWrittenWithTheContractsTokensInTheContractsOrder(t *testing.T) {
	for _, example := range []struct {
		failure smtpFailure
		want    string
	}{
		{
			smtpFailure{Step: stepRcpt, Reply: 550, Enhanced: "5.1.1", Text: "550 5.1.1 <x@y>: no such user"},
			"smtp-step=RCPT smtp-outcome=not-sent smtp-reply=550 smtp-enhanced=5.1.1 :: 550 5.1.1 <x@y>: no such user",
		},
		{
			smtpFailure{Step: stepAuth, Reply: 535, Enhanced: "5.7.8", Text: "535 5.7.8 bad credentials"},
			"smtp-step=AUTH smtp-outcome=not-sent smtp-reply=535 smtp-enhanced=5.7.8 :: 535 5.7.8 bad credentials",
		},
		{
			smtpFailure{Step: stepEnd, Unknown: true, Text: "read tcp 127.0.0.1:1: i/o timeout"},
			"smtp-step=END smtp-outcome=unknown :: read tcp 127.0.0.1:1: i/o timeout",
		},
		{
			smtpFailure{Step: stepConnect, Text: "dial tcp 127.0.0.1:1025: connect: connection refused"},
			"smtp-step=CONNECT smtp-outcome=not-sent :: dial tcp 127.0.0.1:1025: connect: connection refused",
		},
		{
			smtpFailure{Step: stepSTARTTLS, Text: "server does not offer STARTTLS and requireTLS is on"},
			"smtp-step=STARTTLS smtp-outcome=not-sent :: server does not offer STARTTLS and requireTLS is on",
		},
		{
			smtpFailure{Step: stepMail, Reply: 451, Text: "451 try again later"},
			"smtp-step=MAIL smtp-outcome=not-sent smtp-reply=451 :: 451 try again later",
		},
	} {
		if got := smtpFailureText(&example.failure); got != example.want {
			t.Errorf("got  %s\nwant %s", got, example.want)
		}
	}
}

func TestAReplyGivesItsCodeAndTheEnhancedCodeItsTextStartsWith(t *testing.T) {
	for _, example := range []struct {
		step     smtpStep
		err      error
		reply    int
		enhanced string
		unknown  bool
		text     string
	}{
		{stepRcpt, &textproto.Error{Code: 550, Msg: "5.1.1 <x@y>: no such user"}, 550, "5.1.1", false, "550 5.1.1 <x@y>: no such user"},
		{stepRcpt, &textproto.Error{Code: 550, Msg: "no such user"}, 550, "", false, "550 no such user"},
		{stepMail, &textproto.Error{Code: 451, Msg: "4.3.0 first line\n4.3.0 second line"}, 451, "4.3.0", false, "451 4.3.0 first line 4.3.0 second line"},
		{stepMail, &textproto.Error{Code: 550, Msg: "5.1.1x is not a code"}, 550, "", false, "550 5.1.1x is not a code"},
		// The final "." refused: certainly not accepted.
		{stepEnd, &textproto.Error{Code: 554, Msg: "5.6.0 content rejected"}, 554, "5.6.0", false, "554 5.6.0 content rejected"},
		{stepEnd, &textproto.Error{Code: 451, Msg: "4.3.0 queue full"}, 451, "4.3.0", false, "451 4.3.0 queue full"},
		// No definitive reply to the final ".": it may have been accepted.
		{stepEnd, io.EOF, 0, "", true, "EOF"},
		{stepEnd, &textproto.Error{Code: 354, Msg: "what"}, 354, "", true, "354 what"},
		{stepBody, io.ErrClosedPipe, 0, "", false, "io: read/write on closed pipe"},
	} {
		got := newSMTPFailure(example.step, example.err, true, nil)
		want := &smtpFailure{Step: example.step, Unknown: example.unknown, Reply: example.reply, Enhanced: example.enhanced, Text: example.text}
		if *got != *want {
			t.Errorf("%s %v: got %+v, want %+v", example.step, example.err, *got, *want)
		}
	}
}

func TestAStepTheRequestEndedBeforeItBeganIsNotSentEvenAtEnd(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	failure := requestEnded(stepEnd, ctx)
	if failure.Unknown || failure.Step != stepEnd || failure.Text != "context canceled before the END step began" {
		t.Errorf("got %+v", *failure)
	}
	if got := newSMTPFailure(stepEnd, errors.New("use of closed network connection"), true, context.Canceled); !got.Unknown ||
		got.Text != "context canceled (the request ended, so the connection was closed): use of closed network connection" {
		t.Errorf("got %+v", *got)
	}
}
