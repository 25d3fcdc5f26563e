// Package requestid is a Traefik middleware (a local plugin, run by Traefik's Go
// interpreter, nothing downloaded): it keeps a well-formed X-Request-Id from the client or
// sets a new UUID4, forwards it to the service and returns it on the response. The services
// log it as the correlation id (kairos_platform.http uses the same header and pattern).
package requestid

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"regexp"
)

// Config is the middleware's dynamic configuration.
type Config struct {
	HeaderName string `json:"headerName,omitempty"`
}

// CreateConfig returns the defaults.
func CreateConfig() *Config {
	return &Config{HeaderName: "X-Request-Id"}
}

// The same rule as kairos_platform.http: anything else is replaced, never forwarded.
var safeID = regexp.MustCompile(`^[A-Za-z0-9._:\-]{1,128}$`)

// RequestID is the middleware.
type RequestID struct {
	next   http.Handler
	header string
}

// New builds the middleware.
func New(_ context.Context, next http.Handler, config *Config, _ string) (http.Handler, error) {
	header := config.HeaderName
	if header == "" {
		header = "X-Request-Id"
	}
	return &RequestID{next: next, header: header}, nil
}

func newID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return ""
	}
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func (m *RequestID) ServeHTTP(rw http.ResponseWriter, req *http.Request) {
	id := req.Header.Get(m.header)
	if !safeID.MatchString(id) {
		id = newID()
		req.Header.Set(m.header, id)
	}
	m.next.ServeHTTP(&responseWriter{ResponseWriter: rw, header: m.header, id: id}, req)
}

// responseWriter adds the id to a response that does not carry one already (answers from
// the gateway itself: 404, 429, 502), without doubling the one a service echoes.
type responseWriter struct {
	http.ResponseWriter
	header string
	id     string
	wrote  bool
}

func (w *responseWriter) WriteHeader(code int) {
	if !w.wrote {
		w.wrote = true
		if w.ResponseWriter.Header().Get(w.header) == "" {
			w.ResponseWriter.Header().Set(w.header, w.id)
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *responseWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Flush keeps server-sent events streaming through the gateway.
func (w *responseWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
