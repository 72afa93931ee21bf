package main

// The binding against fakeSMTP (smtp_fake_server_test.go) over real sockets.
// Run with -race: concurrent sends share the pool and the login.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dapr/components-contrib/bindings"
	"github.com/dapr/components-contrib/metadata"
	"github.com/dapr/kit/logger"
)

// fastTimeouts keeps every step's deadline long enough never to end a test by itself.
var fastTimeouts = map[string]string{
	"timeoutConnect": "10s", "timeoutGreeting": "10s", "timeoutCommand": "10s",
	"timeoutData": "10s", "timeoutBlock": "10s", "timeoutEnd": "10s",
}

// newTestMailer is the binding pointed at server, logged in, STARTTLS trusted.
func newTestMailer(t *testing.T, server *fakeSMTP, properties map[string]string) *reusingMailer {
	t.Helper()
	all := map[string]string{
		"host": "127.0.0.1", "port": server.port, "emailFrom": "shop@example.com",
		"user": fakeUser, "password": fakePassword, "skipTLSVerify": "true",
	}
	for name, value := range fastTimeouts {
		all[name] = value
	}
	for name, value := range properties {
		if value == "" {
			delete(all, name)
		} else {
			all[name] = value
		}
	}
	mailer := newReusingSMTP(quietLogger()).(*reusingMailer)
	if err := mailer.Init(context.Background(), bindings.Metadata{Base: metadataBase(all)}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = mailer.Close() })
	return mailer
}

func sendMail(ctx context.Context, mailer *reusingMailer, to, subject, body string) error {
	_, err := mailer.Invoke(ctx, &bindings.InvokeRequest{
		Operation: bindings.CreateOperation,
		Data:      []byte(body),
		Metadata:  map[string]string{"emailTo": to, "subject": subject},
	})
	return err
}

// failureOf is the failure err reports, checked to be written as the contract says.
func failureOf(t *testing.T, err error) *smtpFailure {
	t.Helper()
	var failure *smtpFailure
	if !errors.As(err, &failure) {
		t.Fatalf("want an SMTP failure, got %v", err)
	}
	if want := "error from smtp binding, sending email failed: " + smtpFailureText(failure); err.Error() != want {
		t.Fatalf("got %q, want %q", err.Error(), want)
	}
	return failure
}

func expectFailure(t *testing.T, err error, step smtpStep, unknown bool, reply int, enhanced string) *smtpFailure {
	t.Helper()
	failure := failureOf(t, err)
	if failure.Step != step || failure.Unknown != unknown || failure.Reply != reply || failure.Enhanced != enhanced {
		t.Fatalf("got %s, want step %s unknown=%v reply %d enhanced %q", smtpFailureText(failure), step, unknown, reply, enhanced)
	}
	return failure
}

// bigBody cannot fit in the socket buffers: writing it blocks while the server does not read.
var bigBody = strings.Repeat("0123456789abcdef", 1<<20)

// stepsOfASend are the steps a send goes through against a server offering STARTTLS and AUTH.
var stepsOfASend = []smtpStep{stepGreeting, stepEHLO, stepSTARTTLS, stepAuth, stepMail, stepRcpt, stepData, stepBody, stepEnd}

func TestAnEmailIsSentAsContribComposesItWithItsEnvelopeFromTheHeaders(t *testing.T) {
	server := startFakeSMTP(t, fakeOptions{auth: "PLAIN LOGIN"})
	mailer := newTestMailer(t, server, nil)
	_, err := mailer.Invoke(context.Background(), &bindings.InvokeRequest{
		Operation: bindings.CreateOperation,
		Data:      []byte(`"<p>Order 42 is paid</p>"`),
		Metadata: map[string]string{
			"emailTo": "Ann <ann@example.com>;bob@example.com", "emailCC": "cc@example.com",
			"emailBCC": "audit@example.com", "subject": "Order 42", "priority": "1",
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	messages := server.delivered()
	if len(messages) != 1 {
		t.Fatalf("delivered %d messages, want 1", len(messages))
	}
	m := messages[0]
	if m.from != "shop@example.com" || !slices.Equal(m.to, []string{"ann@example.com", "bob@example.com", "cc@example.com", "audit@example.com"}) {
		t.Errorf("envelope from %q to %q", m.from, m.to)
	}
	for name, want := range map[string]string{
		"From": "shop@example.com", "To": "Ann <ann@example.com>, bob@example.com", "Cc": "cc@example.com", "Bcc": "",
		"Subject": "Order 42", "X-Priority": "1", "Content-Type": "text/html; charset=UTF-8",
	} {
		if got := m.header.Get(name); got != want {
			t.Errorf("header %s: got %q, want %q", name, got, want)
		}
	}
	if !strings.Contains(m.body, "<p>Order 42 is paid</p>") {
		t.Errorf("body %q", m.body)
	}
	if !slices.Contains(server.seen(), "AUTH") {
		t.Errorf("the binding did not log in: %v", server.seen())
	}
}

func TestAStallAtEachStepEndsAtThatStepsOwnDeadline(t *testing.T) {
	deadlineOf := map[smtpStep]string{
		stepGreeting: "timeoutGreeting", stepEHLO: "timeoutCommand", stepSTARTTLS: "timeoutCommand", stepAuth: "timeoutCommand",
		stepMail: "timeoutCommand", stepRcpt: "timeoutCommand", stepData: "timeoutData", stepBody: "timeoutBlock", stepEnd: "timeoutEnd",
	}
	for _, step := range stepsOfASend {
		t.Run(string(step), func(t *testing.T) {
			t.Parallel()
			server := startFakeSMTP(t, fakeOptions{startTLS: true, auth: "PLAIN LOGIN"})
			server.on(step, stall())
			// Only this step's deadline is short: any other would end the test after 10 s.
			mailer := newTestMailer(t, server, map[string]string{deadlineOf[step]: "300ms"})
			body := "hello"
			if step == stepBody {
				body = bigBody // a small message fits in the socket buffers: its writes never block
			}
			started := time.Now()
			err := sendMail(context.Background(), mailer, "ann@example.com", "stalled", body)
			elapsed := time.Since(started)
			failure := expectFailure(t, err, step, step == stepEnd, 0, "")
			if !strings.Contains(failure.Text, "i/o timeout") {
				t.Errorf("text %q does not say it timed out", failure.Text)
			}
			if elapsed < 300*time.Millisecond || elapsed > 5*time.Second {
				t.Errorf("ended after %v, want just after the 300ms deadline", elapsed)
			}
		})
	}
}

func TestEndingTheRequestEndsAStalledSendAtOnce(t *testing.T) {
	for _, c := range []struct {
		step    smtpStep
		unknown bool
	}{{stepGreeting, false}, {stepMail, false}, {stepBody, false}, {stepEnd, true}} {
		t.Run(string(c.step), func(t *testing.T) {
			t.Parallel()
			server := startFakeSMTP(t, fakeOptions{auth: "PLAIN"})
			server.on(c.step, stall())
			// The RFC 5321 deadlines (minutes): only the request's end can stop this send.
			mailer := newTestMailer(t, server, map[string]string{
				"timeoutConnect": "", "timeoutGreeting": "", "timeoutCommand": "", "timeoutData": "", "timeoutBlock": "", "timeoutEnd": "",
			})
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(300*time.Millisecond, cancel)
			body := "hello"
			if c.step == stepBody {
				body = bigBody
			}
			started := time.Now()
			err := sendMail(ctx, mailer, "ann@example.com", "cancelled", body)
			elapsed := time.Since(started)
			failure := expectFailure(t, err, c.step, c.unknown, 0, "")
			if !strings.HasPrefix(failure.Text, "context canceled") {
				t.Errorf("text %q does not say the request ended", failure.Text)
			}
			if elapsed > 3*time.Second {
				t.Errorf("ended %v after the start, want at once after the request ended (300ms)", elapsed)
			}
		})
	}
}

func TestA4xxOr5xxReplyAtEachStepIsReportedWithItsStepCodeAndEnhancedCode(t *testing.T) {
	for _, c := range []struct {
		step     smtpStep
		reply    string
		code     int
		enhanced string
	}{
		{stepGreeting, "421 4.3.2 not accepting mail now", 421, "4.3.2"},
		{stepGreeting, "554 5.3.2 no service here", 554, "5.3.2"},
		{stepEHLO, "451 4.3.0 try again", 451, "4.3.0"},
		{stepEHLO, "550 5.7.1 go away", 550, "5.7.1"},
		{stepSTARTTLS, "454 4.7.0 TLS not available now", 454, "4.7.0"},
		{stepSTARTTLS, "554 5.7.3 TLS refused", 554, "5.7.3"},
		{stepAuth, "454 4.7.0 temporary authentication failure", 454, "4.7.0"},
		{stepAuth, "535 5.7.8 bad credentials", 535, "5.7.8"},
		{stepMail, "451 4.3.0 sender check failed, try later", 451, "4.3.0"},
		{stepMail, "550 5.7.1 relaying denied", 550, "5.7.1"},
		{stepRcpt, "450 4.2.1 mailbox busy", 450, "4.2.1"},
		{stepRcpt, "550 5.1.1 <ann@example.com>: no such user", 550, "5.1.1"},
		{stepRcpt, "550 no such user", 550, ""},
		{stepData, "451 4.3.0 local error", 451, "4.3.0"},
		{stepData, "554 5.5.0 no valid recipients", 554, "5.5.0"},
		{stepEnd, "452 4.3.1 queue full", 452, "4.3.1"},
		{stepEnd, "554 5.6.0 content rejected", 554, "5.6.0"},
	} {
		t.Run(c.reply, func(t *testing.T) {
			t.Parallel()
			server := startFakeSMTP(t, fakeOptions{startTLS: true, auth: "PLAIN LOGIN"})
			server.on(c.step, reply(c.reply))
			mailer := newTestMailer(t, server, nil)
			err := sendMail(context.Background(), mailer, "ann@example.com", "refused", "hello")
			failure := expectFailure(t, err, c.step, false, c.code, c.enhanced)
			if failure.Text != c.reply {
				t.Errorf("text %q, want the server's reply %q", failure.Text, c.reply)
			}
			if n := len(server.delivered()); n != 0 {
				t.Errorf("the server accepted %d messages", n)
			}
			if n := server.count("MAIL"); n > 1 {
				t.Errorf("MAIL sent %d times: a refused send was sent again", n)
			}
		})
	}
}

func TestAConnectionDroppedBeforeTheFinalDotIsNotSentAndAfterItUnknown(t *testing.T) {
	for _, step := range stepsOfASend {
		t.Run(string(step), func(t *testing.T) {
			t.Parallel()
			server := startFakeSMTP(t, fakeOptions{startTLS: true, auth: "PLAIN LOGIN"})
			server.on(step, drop())
			mailer := newTestMailer(t, server, nil)
			body := "hello"
			if step == stepBody {
				body = bigBody // a small message would be written before the server drops it
			}
			err := sendMail(context.Background(), mailer, "ann@example.com", "dropped", body)
			expectFailure(t, err, step, step == stepEnd, 0, "")
			if accepted, _ := server.connections(); accepted != 1 {
				t.Errorf("%d connections: a dropped send on a new connection was sent again", accepted)
			}
		})
	}
}

func TestWithRequireTLSAServerWithoutSTARTTLSIsRefusedBeforeAuthAndMail(t *testing.T) {
	server := startFakeSMTP(t, fakeOptions{auth: "PLAIN LOGIN"})
	mailer := newTestMailer(t, server, map[string]string{"requireTLS": "true"})
	err := sendMail(context.Background(), mailer, "ann@example.com", "in clear?", "hello")
	failure := expectFailure(t, err, stepSTARTTLS, false, 0, "")
	if failure.Text != "server does not offer STARTTLS and requireTLS is on" {
		t.Errorf("text %q", failure.Text)
	}
	if seen := server.seen(); !slices.Equal(seen, []string{"EHLO"}) {
		t.Errorf("the server saw %v, want only EHLO (no AUTH, no MAIL)", seen)
	}
}

func TestWithRequireTLSAFailingSTARTTLSIsRefusedBeforeAuthAndMail(t *testing.T) {
	server := startFakeSMTP(t, fakeOptions{startTLS: true, auth: "PLAIN LOGIN"})
	// The server's certificate is self-signed: without skipTLSVerify the handshake fails.
	mailer := newTestMailer(t, server, map[string]string{"requireTLS": "true", "skipTLSVerify": ""})
	err := sendMail(context.Background(), mailer, "ann@example.com", "untrusted", "hello")
	failure := expectFailure(t, err, stepSTARTTLS, false, 0, "")
	if !strings.Contains(failure.Text, "certificate") {
		t.Errorf("text %q does not name the certificate", failure.Text)
	}
	if seen := server.seen(); !slices.Equal(seen, []string{"EHLO", "STARTTLS"}) {
		t.Errorf("the server saw %v, want EHLO and STARTTLS only", seen)
	}
}

func TestWithRequireTLSAndSkipTLSVerifyASelfSignedSTARTTLSServerGetsTheLoginAndMailOverTLS(t *testing.T) {
	server := startFakeSMTP(t, fakeOptions{startTLS: true, auth: "PLAIN LOGIN"})
	mailer := newTestMailer(t, server, map[string]string{"requireTLS": "true"})
	if err := sendMail(context.Background(), mailer, "ann@example.com", "over TLS", "hello"); err != nil {
		t.Fatal(err)
	}
	want := []string{"EHLO", "STARTTLS", "EHLO/tls", "AUTH/tls", "MAIL/tls", "RCPT/tls", "DATA/tls"}
	if seen := server.seen(); !slices.Equal(seen, want) {
		t.Errorf("the server saw %v, want %v", seen, want)
	}
	if n := len(server.delivered()); n != 1 {
		t.Errorf("delivered %d messages, want 1", n)
	}
}

func TestWithoutRequireTLSAServerWithoutSTARTTLSGetsTheMailInClearAsBefore(t *testing.T) {
	server := startFakeSMTP(t, fakeOptions{auth: "PLAIN LOGIN"}) // like MailDev
	mailer := newTestMailer(t, server, nil)
	if err := sendMail(context.Background(), mailer, "ann@example.com", "in clear", "hello"); err != nil {
		t.Fatal(err)
	}
	if n := len(server.delivered()); n != 1 {
		t.Errorf("delivered %d messages, want 1", n)
	}
}

func TestAServerOfferingOnlyLOGINIsLoggedInWithLOGIN(t *testing.T) {
	server := startFakeSMTP(t, fakeOptions{auth: "LOGIN"})
	mailer := newTestMailer(t, server, nil)
	if err := sendMail(context.Background(), mailer, "ann@example.com", "login", "hello"); err != nil {
		t.Fatal(err)
	}
	if got := server.loginsBy(); !slices.Equal(got, []string{"LOGIN"}) {
		t.Errorf("logged in with %v, want LOGIN", got)
	}
}

func TestConcurrentSendsToDifferentRecipientsEachArriveOnceWithTheirOwnRecipientAndSubject(t *testing.T) {
	// Each new connection logs in: the first sends dial side by side and share the login.
	server := startFakeSMTP(t, fakeOptions{auth: "PLAIN LOGIN"})
	mailer := newTestMailer(t, server, map[string]string{"maxConnections": "4"})
	// What every dial reads; no dial may write it (gomail's dialer set its Auth on the first dial).
	shared, logins := *mailer.server, *mailer.server.logins
	const sends = 20
	var wg sync.WaitGroup
	errs := make(chan error, sends)
	for i := range sends {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- sendMail(context.Background(), mailer, fmt.Sprintf("customer-%02d@example.com", i), fmt.Sprintf("Order %02d", i), "hello")
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	seen := map[string]int{}
	for _, m := range server.delivered() {
		recipient := m.to[0]
		seen[recipient]++
		if want := "Order " + strings.TrimSuffix(strings.TrimPrefix(recipient, "customer-"), "@example.com"); m.header.Get("Subject") != want ||
			m.header.Get("To") != recipient || len(m.to) != 1 {
			t.Errorf("envelope to %v with To %q and Subject %q", m.to, m.header.Get("To"), m.header.Get("Subject"))
		}
	}
	for i := range sends {
		if recipient := fmt.Sprintf("customer-%02d@example.com", i); seen[recipient] != 1 {
			t.Errorf("%s got %d e-mails, want 1", recipient, seen[recipient])
		}
	}
	if after := *mailer.server; after.logins != shared.logins || *after.logins != logins || after.tlsConfig != shared.tlsConfig ||
		after.timeouts != shared.timeouts || after.host != shared.host || after.address != shared.address || after.requireTLS != shared.requireTLS {
		t.Error("a dial changed the settings all dials share")
	}
	if _, mostAtOnce := server.connections(); mostAtOnce > 4 {
		t.Errorf("%d connections at once, want at most maxConnections (4)", mostAtOnce)
	}
}

func TestAPooledConnectionTheServerClosedIsReplacedWithoutADuplicate(t *testing.T) {
	for _, c := range []struct {
		name  string
		close func(*fakeSMTP)
	}{
		{"closed without a word", func(server *fakeSMTP) { server.dropConnections() }},
		{"closed with 421 at the next command", func(server *fakeSMTP) { server.on(stepMail, reply("421 4.4.2 idle too long").once()) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			server := startFakeSMTP(t, fakeOptions{auth: "PLAIN"})
			mailer := newTestMailer(t, server, map[string]string{"maxConnections": "1"})
			if err := sendMail(context.Background(), mailer, "ann@example.com", "first", "hello"); err != nil {
				t.Fatal(err)
			}
			c.close(server)
			if err := sendMail(context.Background(), mailer, "bob@example.com", "second", "hello"); err != nil {
				t.Fatal(err)
			}
			messages := server.delivered()
			if len(messages) != 2 || messages[0].to[0] != "ann@example.com" || messages[1].to[0] != "bob@example.com" {
				t.Errorf("delivered %+v, want one to ann then one to bob", messages)
			}
			if accepted, _ := server.connections(); accepted != 2 {
				t.Errorf("%d connections, want 2 (the closed one replaced once)", accepted)
			}
		})
	}
}

func TestAConnectionIsNeverReusedAfterAnErrorAndAFailureAfterMailIsNotSentAgain(t *testing.T) {
	server := startFakeSMTP(t, fakeOptions{auth: "PLAIN"})
	mailer := newTestMailer(t, server, map[string]string{"maxConnections": "1"})
	if err := sendMail(context.Background(), mailer, "ann@example.com", "first", "hello"); err != nil {
		t.Fatal(err)
	}
	server.on(stepRcpt, reply("451 4.3.0 busy").once())
	err := sendMail(context.Background(), mailer, "bob@example.com", "second", "hello")
	expectFailure(t, err, stepRcpt, false, 451, "4.3.0")
	if n := server.count("MAIL"); n != 2 {
		t.Errorf("MAIL sent %d times, want 2: a send refused at RCPT on a reused connection is not sent again", n)
	}
	if err := sendMail(context.Background(), mailer, "bob@example.com", "third", "hello"); err != nil {
		t.Fatal(err)
	}
	if accepted, _ := server.connections(); accepted != 2 {
		t.Errorf("%d connections, want 2: the one that failed is not used again", accepted)
	}
}

func TestASendWaitingForAFreeConnectionEndsWithItsRequestAtQueue(t *testing.T) {
	server := startFakeSMTP(t, fakeOptions{})
	server.on(stepMail, stall())
	mailer := newTestMailer(t, server, map[string]string{"maxConnections": "1"})
	first, cancelFirst := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- sendMail(first, mailer, "ann@example.com", "holds the connection", "hello") }()
	waitUntil(t, func() bool { return server.count("MAIL") == 1 })

	second, cancelSecond := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancelSecond()
	err := sendMail(second, mailer, "bob@example.com", "waits", "hello")
	failure := expectFailure(t, err, stepQueue, false, 0, "")
	if !strings.Contains(failure.Text, "context deadline exceeded") {
		t.Errorf("text %q", failure.Text)
	}
	cancelFirst()
	expectFailure(t, <-done, stepMail, false, 0, "")
}

func TestAnAddressThatCannotBeParsedFailsAtAddressWithoutContactingTheServer(t *testing.T) {
	server := startFakeSMTP(t, fakeOptions{})
	mailer := newTestMailer(t, server, nil)
	err := sendMail(context.Background(), mailer, "not an address", "never sent", "hello")
	failure := expectFailure(t, err, stepAddress, false, 0, "")
	if !strings.Contains(failure.Text, `"not an address"`) {
		t.Errorf("text %q", failure.Text)
	}
	if accepted, _ := server.connections(); accepted != 0 {
		t.Errorf("%d connections, want none", accepted)
	}
}

func TestARefusedConnectionFailsAtConnect(t *testing.T) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strings.TrimPrefix(listener.Addr().String(), "127.0.0.1:")
	_ = listener.Close()
	mailer := newTestMailer(t, &fakeSMTP{port: port}, nil)
	err = sendMail(context.Background(), mailer, "ann@example.com", "nobody there", "hello")
	failure := expectFailure(t, err, stepConnect, false, 0, "")
	if !strings.Contains(failure.Text, "connection refused") {
		t.Errorf("text %q", failure.Text)
	}
}

func TestTheDeadlinesAreRFC5321sUnlessTheMetadataSetsThem(t *testing.T) {
	server := startFakeSMTP(t, fakeOptions{})
	defaults := newTestMailer(t, server, map[string]string{
		"timeoutConnect": "", "timeoutGreeting": "", "timeoutCommand": "", "timeoutData": "", "timeoutBlock": "", "timeoutEnd": "",
	})
	want := smtpTimeouts{Connect: time.Minute, Greeting: 5 * time.Minute, Command: 5 * time.Minute, Data: 2 * time.Minute, Block: 3 * time.Minute, End: 10 * time.Minute}
	if defaults.server.timeouts != want {
		t.Errorf("defaults %+v, want %+v", defaults.server.timeouts, want)
	}
	set := newTestMailer(t, server, map[string]string{"timeoutCommand": "90s", "timeoutEnd": "15m"})
	if set.server.timeouts.Command != 90*time.Second || set.server.timeouts.End != 15*time.Minute {
		t.Errorf("set %+v", set.server.timeouts)
	}
	if defaults.server.requireTLS {
		t.Error("requireTLS is on by default: it must stay off for compatibility")
	}
	for name, value := range map[string]string{"timeoutEnd": "soon", "timeoutBlock": "-1s", "requireTLS": "maybe", "maxConnections": "0"} {
		mailer := newReusingSMTP(quietLogger())
		err := mailer.Init(context.Background(), bindings.Metadata{Base: metadataBase(map[string]string{"host": "127.0.0.1", "port": "25", name: value})})
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=%q: got %v, want an error naming %s", name, value, err, name)
		}
	}
}

// quietLogger keeps the skipTLSVerify warning of every test out of the output.
func quietLogger() logger.Logger {
	log := logger.NewLogger("smtp-binding-test")
	log.SetOutputLevel(logger.ErrorLevel)
	return log
}

func metadataBase(properties map[string]string) metadata.Base {
	return metadata.Base{Properties: properties}
}

// waitUntil polls condition for up to five seconds.
func waitUntil(t *testing.T, condition func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if condition() {
			return
		}
	}
	t.Fatal("timed out waiting")
}

// sendMailCompleteBefore is sendMail with the app's completeBefore deadline.
func sendMailCompleteBefore(ctx context.Context, mailer *reusingMailer, to string, completeBefore time.Time) error {
	_, err := mailer.Invoke(ctx, &bindings.InvokeRequest{
		Operation: bindings.CreateOperation,
		Data:      []byte("hello"),
		Metadata:  map[string]string{"emailTo": to, "subject": "windowed", "completeBefore": completeBefore.Format(time.RFC3339Nano)},
	})
	return err
}

func TestASendNotCompleteWithinItsWindowIsAbandonedUnsentAtTheStepItWasIn(t *testing.T) {
	for _, step := range []smtpStep{stepGreeting, stepMail, stepRcpt, stepData} {
		t.Run(string(step), func(t *testing.T) {
			t.Parallel()
			server := startFakeSMTP(t, fakeOptions{auth: "PLAIN"})
			server.on(step, stall())
			// The RFC 5321 deadlines (minutes): only the window can end this send.
			mailer := newTestMailer(t, server, map[string]string{
				"timeoutConnect": "", "timeoutGreeting": "", "timeoutCommand": "", "timeoutData": "", "timeoutBlock": "", "timeoutEnd": "",
			})
			started := time.Now()
			err := sendMailCompleteBefore(context.Background(), mailer, "ann@example.com", started.Add(300*time.Millisecond))
			failure := expectFailure(t, err, step, false, 0, "")
			if !strings.Contains(failure.Text, "send window (completeBefore) closed") {
				t.Errorf("text %q does not say the window closed", failure.Text)
			}
			if elapsed := time.Since(started); elapsed > 3*time.Second {
				t.Errorf("ended %v after the start, want at once after the window closed (300ms)", elapsed)
			}
			if len(server.delivered()) != 0 {
				t.Errorf("the server got the message")
			}
		})
	}
}

func TestOnceTheFinalDotIsOutTheReplyIsAwaitedPastTheWindow(t *testing.T) {
	server := startFakeSMTP(t, fakeOptions{auth: "PLAIN"})
	// The server answers the final "." well after the window closed: a delivery, not an abandoned send.
	server.on(stepEnd, late(700*time.Millisecond))
	mailer := newTestMailer(t, server, map[string]string{"timeoutEnd": "5s"})
	if err := sendMailCompleteBefore(context.Background(), mailer, "ann@example.com", time.Now().Add(300*time.Millisecond)); err != nil {
		t.Fatalf("want the send to succeed, got %v", err)
	}
	if got := len(server.delivered()); got != 1 {
		t.Fatalf("delivered %d messages, want 1", got)
	}
}

func TestAWindowAlreadyClosedSendsNothingAndContactsNoServer(t *testing.T) {
	server := startFakeSMTP(t, fakeOptions{auth: "PLAIN"})
	mailer := newTestMailer(t, server, nil)
	err := sendMailCompleteBefore(context.Background(), mailer, "ann@example.com", time.Now().Add(-time.Second))
	failure := failureOf(t, err)
	if failure.Unknown {
		t.Fatalf("got %s, want not-sent", smtpFailureText(failure))
	}
	if accepted, _ := server.connections(); accepted != 0 {
		t.Fatalf("%d connections, want none", accepted)
	}
}

func TestACompleteBeforeThatIsNoTimeIsRefused(t *testing.T) {
	server := startFakeSMTP(t, fakeOptions{auth: "PLAIN"})
	mailer := newTestMailer(t, server, nil)
	_, err := mailer.Invoke(context.Background(), &bindings.InvokeRequest{
		Operation: bindings.CreateOperation,
		Data:      []byte("hello"),
		Metadata:  map[string]string{"emailTo": "ann@example.com", "subject": "s", "completeBefore": "soon"},
	})
	if err == nil || !strings.Contains(err.Error(), "completeBefore must be an RFC 3339 time") {
		t.Fatalf("got %v", err)
	}
}
