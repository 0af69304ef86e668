package mluvii

// Helpers shared by the tests of the default spec. The runtime's own tests live
// beside the templates (templates/runtime/*_test.go), against the fixture spec;
// these are copies of the few helpers the tests here need.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const hookSecret = "s3cret-Ω-42"

// newTestDispatcher returns a quiet dispatcher that is closed when the test
// ends (after cleanups registered later, such as releasing blocked handlers).
func newTestDispatcher(t testing.TB, opts ...DispatcherOption) *Dispatcher {
	t.Helper()
	d := NewDispatcher(append([]DispatcherOption{WithDispatchLogger(nil)}, opts...)...)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := d.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return d
}

// hookClose drains d, failing the test when that takes more than 10 s.
func hookClose(t testing.TB, d *Dispatcher) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := d.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

// post sends body to h as mluvii would and returns the status.
func hookPost(h http.Handler, body []byte) int {
	r := httptest.NewRequest(http.MethodPost, "/mluvii", bytes.NewReader(body))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Code
}

func hookCallParams(session int64, value string) []byte {
	return fmt.Appendf(nil, `{"activity":"GetCallParamsResponse","sessionId":%d,"callParams":{"k":%q}}`, session, value)
}

// rawServer is a minimal mluvii for the client's transport tests: a token
// endpoint and an activity endpoint whose answers the test scripts.
type rawServer struct {
	*httptest.Server
	tokens     atomic.Int64 // tokens issued
	activities atomic.Int64 // activity POSTs received
	expiresIn  atomic.Int64
	tokenDelay atomic.Int64 // nanoseconds the token endpoint waits before answering
	// answer decides the status of the n-th activity POST (1-based).
	answer func(n int64, w http.ResponseWriter, r *http.Request) int
	mu     sync.Mutex
	bodies [][]byte
	forms  []string
}

const clientSecretForTests = "s3cr3t-Zk8/q+1"

func newRawServer(t *testing.T) *rawServer {
	t.Helper()
	s := &rawServer{}
	s.expiresIn.Store(3600)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login/connect/token", func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.PostForm.Get("client_secret") != clientSecretForTests ||
			r.PostForm.Get("grant_type") != "client_credentials" {
			http.Error(w, `{"error":"invalid_client"}`, http.StatusBadRequest)
			return
		}
		time.Sleep(time.Duration(s.tokenDelay.Load()))
		n := s.tokens.Add(1)
		s.mu.Lock()
		s.forms = append(s.forms, r.PostForm.Encode())
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"access_token": "tok-" + string(rune('a'+n-1)), "expires_in": s.expiresIn.Load(), "token_type": "Bearer",
		})
	})
	mux.HandleFunc("POST /api/v1/Chatbot/2005/activity", func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer tok-") {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		body, _ := io.ReadAll(r.Body)
		n := s.activities.Add(1)
		s.mu.Lock()
		s.bodies = append(s.bodies, body)
		s.mu.Unlock()
		status := http.StatusOK
		if s.answer != nil {
			status = s.answer(n, w, r)
		}
		if status != 0 {
			w.WriteHeader(status)
		}
	})
	mux.HandleFunc("PUT /api/v1/Chatbot/2005", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.bodies = append(s.bodies, []byte(r.URL.Query().Get("callbackUrl")))
		s.mu.Unlock()
	})
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

func (s *rawServer) client(opts ...ClientOption) *Client {
	base := []ClientOption{
		WithClientCredentials("bot", clientSecretForTests),
		WithHTTPClient(s.Server.Client()),
		WithRetryPolicy(RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}),
	}
	return NewClient(s.URL+"/", 2005, append(base, opts...)...)
}
