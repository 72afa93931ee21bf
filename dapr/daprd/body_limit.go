package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/dapr/dapr/pkg/middleware"
	"github.com/dapr/kit/streams"
)

// problemTooLarge is the problem type orderflow's apps answer 413 with
// (packages/service-kit/src/errors.ts): a client sees one kind of refusal
// whether the sidecar or the app refused the body.
const problemTooLarge = "https://orderflow.dev/problems/payload-too-large"

// newBodyLimit is the middleware.http.bodylimit component: a body larger than
// daprd's own limit (--max-body-size, passed in as maxBytes so the two can
// never disagree) is answered 413 application/problem+json before anything
// reads it. Without it daprd reads up to its limit and then fails the request
// with 500 (ERR_DIRECT_INVOKE "stream too large", or the API's own error).
//
// daprd wraps every request body in its limit before the httpPipeline runs
// (pkg/api/http/server.go: useMaxBodySize, then useComponents), but that wrapper
// only fails a read; it never answers. So:
//   - a declared Content-Length over the limit is refused unread;
//   - a body of unknown length (chunked) is read into memory up to the limit,
//     which daprd does anyway for service invocation (its retries resend it),
//     and refused as soon as it runs past; whatever is left is never read.
//
// maxBytes <= 0 means daprd has no limit, and neither has this.
func newBodyLimit(maxBytes int64) middleware.HTTP {
	return func(next http.Handler) http.Handler {
		if maxBytes <= 0 {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.ContentLength > maxBytes {
				writeTooLarge(w, r, maxBytes)
				return
			}
			if r.ContentLength < 0 && r.Body != nil && r.Body != http.NoBody {
				body, err := io.ReadAll(io.LimitReader(r.Body, maxBytes+1))
				switch {
				case int64(len(body)) > maxBytes || errors.Is(err, streams.ErrStreamTooLarge):
					writeTooLarge(w, r, maxBytes)
					return
				case err != nil:
					writeProblem(w, r, http.StatusBadRequest, "https://orderflow.dev/problems/invalid-data",
						"The request is not valid", "the request body could not be read to its end: "+err.Error())
					return
				}
				r.Body = &replayedBody{Reader: bytes.NewReader(body), original: r.Body}
			}
			next.ServeHTTP(w, r)
		})
	}
}

// replayedBody hands on a body already read, and closes the connection's own.
type replayedBody struct {
	*bytes.Reader
	original io.Closer
}

func (b *replayedBody) Close() error { return b.original.Close() }

func writeTooLarge(w http.ResponseWriter, r *http.Request, maxBytes int64) {
	writeProblem(w, r, http.StatusRequestEntityTooLarge, problemTooLarge, "The request body is too large",
		fmt.Sprintf("the body is larger than this Dapr sidecar accepts: at most %d bytes (daprd --max-body-size)", maxBytes))
}

func writeProblem(w http.ResponseWriter, r *http.Request, status int, problemType, title, detail string) {
	document, _ := json.Marshal(map[string]any{
		"type":     problemType,
		"title":    title,
		"status":   status,
		"detail":   detail,
		"instance": r.URL.Path,
	})
	w.Header().Set("Content-Type", "application/problem+json")
	// The rest of the body stays unread: the client must not send it on this connection.
	w.Header().Set("Connection", "close")
	w.WriteHeader(status)
	_, _ = w.Write(document)
}
