package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	daprhttp "github.com/dapr/dapr/pkg/api/http"
)

const testLimit = 1000

// limitedServer serves the middleware in front of a handler that records the
// body it got, wrapped in daprd's own body limit first, as daprd's HTTP server
// does (useMaxBodySize before the httpPipeline).
func limitedServer(t *testing.T) (address string, reached *atomic.Int32, received chan string) {
	t.Helper()
	reached = &atomic.Int32{}
	received = make(chan string, 1)
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("the handler behind the limit could not read the body: %v", err)
		}
		received <- string(body)
		w.WriteHeader(http.StatusNoContent)
	})
	server := httptest.NewServer(daprhttp.MaxBodySizeMiddleware(testLimit)(newBodyLimit(testLimit)(inner)))
	t.Cleanup(server.Close)
	return server.Listener.Addr().String(), reached, received
}

// rawRequest writes head (and then body, if any) on a fresh connection and
// reads one response without waiting for the rest of body to be written: the
// server may answer before the client has sent everything, or ever will.
func rawRequest(t *testing.T, address, head string, body io.Reader) *http.Response {
	t.Helper()
	conn, err := net.Dial("tcp", address)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	if body != nil {
		go func() { _, _ = io.Copy(conn, body) }()
	}
	response, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no response: %v", err)
	}
	t.Cleanup(func() { _ = response.Body.Close() })
	return response
}

func expectTooLarge(t *testing.T, response *http.Response, path string) {
	t.Helper()
	if response.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413", response.StatusCode)
	}
	if got := response.Header.Get("Content-Type"); got != "application/problem+json" {
		t.Fatalf("content type %q, want application/problem+json", got)
	}
	var problem map[string]any
	if err := json.NewDecoder(response.Body).Decode(&problem); err != nil {
		t.Fatal(err)
	}
	if problem["type"] != problemTooLarge || problem["status"] != float64(413) || problem["instance"] != path {
		t.Fatalf("problem %v", problem)
	}
	if detail, _ := problem["detail"].(string); !strings.Contains(detail, fmt.Sprintf("at most %d bytes", testLimit)) {
		t.Fatalf("the detail must name the limit: %q", detail)
	}
}

// neverEnding is a body that has more to come, for as long as anyone reads.
type neverEnding struct{}

func (neverEnding) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

func chunk(data string) string { return fmt.Sprintf("%x\r\n%s\r\n", len(data), data) }

func TestABodyDeclaredLargerThanTheLimitIsRefusedWith413ProblemJSONUnread(t *testing.T) {
	address, reached, _ := limitedServer(t)
	// Only the head is sent: an answer proves nothing waited for the body.
	head := fmt.Sprintf("POST /v1.0/invoke/order-service/method/orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", 8<<20)
	response := rawRequest(t, address, head, nil)
	expectTooLarge(t, response, "/v1.0/invoke/order-service/method/orders")
	if reached.Load() != 0 {
		t.Fatal("the request reached the handler behind the limit")
	}
}

func TestAChunkedBodyRunningPastTheLimitIsRefusedWith413WithoutReadingTheRest(t *testing.T) {
	address, reached, _ := limitedServer(t)
	head := "POST /v1.0/publish/kafka-pubsub/t HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
	// Chunks of 100 bytes forever, never the final one: only a refusal at the limit can answer.
	body := io.MultiReader(strings.NewReader(strings.Repeat(chunk(strings.Repeat("y", 100)), testLimit/100)), chunkedForever{})
	response := rawRequest(t, address, head, body)
	expectTooLarge(t, response, "/v1.0/publish/kafka-pubsub/t")
	if reached.Load() != 0 {
		t.Fatal("the request reached the handler behind the limit")
	}
}

// chunkedForever writes 100-byte chunks for as long as anyone reads.
type chunkedForever struct{}

func (chunkedForever) Read(p []byte) (int, error) {
	c := chunk(strings.Repeat("z", 100))
	n := 0
	for n+len(c) <= len(p) {
		n += copy(p[n:], c)
	}
	if n == 0 {
		return copy(p, c), nil
	}
	return n, nil
}

func TestAChunkedBodyWithinTheLimitReachesTheHandlerWhole(t *testing.T) {
	address, _, received := limitedServer(t)
	data := strings.Repeat("a", testLimit-10) + `0123456789`
	head := "POST /v1.0/invoke/order-service/method/orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
	body := strings.NewReader(chunk(data[:600]) + chunk(data[600:]) + "0\r\n\r\n")
	response := rawRequest(t, address, head, body)
	if response.StatusCode != http.StatusNoContent {
		t.Fatalf("status %d, want 204", response.StatusCode)
	}
	if got := <-received; got != data {
		t.Fatalf("the handler got %d bytes, want the %d sent", len(got), len(data))
	}
}

func TestABodyOfExactlyTheLimitReachesTheHandlerWithOrWithoutContentLength(t *testing.T) {
	address, _, received := limitedServer(t)
	data := strings.Repeat("b", testLimit)
	bodies := map[string]io.Reader{
		"with Content-Length": strings.NewReader(data),
		"chunked":             io.NopCloser(strings.NewReader(data)), // net/http cannot tell its length
	}
	for name, body := range bodies {
		response, err := http.Post("http://"+address+"/v1.0/invoke/order-service/method/orders", "application/json", body)
		if err != nil {
			t.Fatal(err)
		}
		_ = response.Body.Close()
		if response.StatusCode != http.StatusNoContent {
			t.Fatalf("%s: status %d, want 204", name, response.StatusCode)
		}
		if got := <-received; got != data {
			t.Fatalf("%s: the handler got %d bytes, want %d", name, len(got), len(data))
		}
	}
}

func TestARequestWithoutABodyPassesUntouched(t *testing.T) {
	address, reached, received := limitedServer(t)
	response, err := http.Get("http://" + address + "/v1.0/invoke/order-service/method/orders")
	if err != nil {
		t.Fatal(err)
	}
	defer response.Body.Close()
	if response.StatusCode != http.StatusNoContent || reached.Load() != 1 || <-received != "" {
		t.Fatalf("status %d", response.StatusCode)
	}
}

func TestWithoutALimitNothingIsRefused(t *testing.T) {
	var got int
	server := httptest.NewServer(newBodyLimit(0)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got = len(body)
	})))
	defer server.Close()
	response, err := http.Post(server.URL, "application/json", io.LimitReader(neverEnding{}, 3*testLimit))
	if err != nil {
		t.Fatal(err)
	}
	defer response.Body.Close()
	if response.StatusCode != http.StatusOK || got != 3*testLimit {
		t.Fatalf("status %d, %d bytes", response.StatusCode, got)
	}
}
