package mluvii

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"
)

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

func TestClientCachesTokenAcrossConcurrentCalls(t *testing.T) {
	s := newRawServer(t)
	c := s.client()
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			if err := c.Send(t.Context(), &GetAvailableGroups{SessionID: int64(i + 1)}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := s.tokens.Load(); got != 1 {
		t.Fatalf("token requests = %d, want 1", got)
	}
	if got := s.activities.Load(); got != 50 {
		t.Fatalf("activities = %d, want 50", got)
	}
	if !strings.Contains(s.forms[0], "grant_type=client_credentials") || strings.Contains(s.forms[0], "scope=") {
		t.Errorf("token form = %s", s.forms[0])
	}
}

func TestClientRefreshesExpiredToken(t *testing.T) {
	s := newRawServer(t)
	s.expiresIn.Store(1) // refreshed 0.1 s early
	c := s.client(WithClientCredentials("bot", clientSecretForTests, "mluviiPublicApi"))
	send := func() {
		if err := c.Send(t.Context(), &GetAvailableGroups{SessionID: 1}); err != nil {
			t.Fatal(err)
		}
	}
	send()
	send()
	if got := s.tokens.Load(); got != 1 {
		t.Fatalf("token requests = %d, want 1", got)
	}
	time.Sleep(950 * time.Millisecond)
	send()
	if got := s.tokens.Load(); got != 2 {
		t.Fatalf("token requests after expiry = %d, want 2", got)
	}
	if !strings.Contains(s.forms[0], "scope=mluviiPublicApi") {
		t.Errorf("token form = %s, want the scope", s.forms[0])
	}
}

// TestClientTokenLifetimeOutOfRange: an expires_in that is huge, infinite,
// not a number or not positive still caches the token (a huge one used to
// overflow into the past, so every call fetched a token).
func TestClientTokenLifetimeOutOfRange(t *testing.T) {
	for _, expiresIn := range []string{`1e300`, `"1e300"`, `"Infinity"`, `"NaN"`, `-5`, `0`, `null`, `"soon"`} {
		t.Run(expiresIn, func(t *testing.T) {
			var tokens atomic.Int64
			mux := http.NewServeMux()
			mux.HandleFunc("POST /login/connect/token", func(w http.ResponseWriter, r *http.Request) {
				tokens.Add(1)
				io.WriteString(w, `{"access_token":"tok-a","expires_in":`+expiresIn+`}`)
			})
			mux.HandleFunc("POST /api/v1/Chatbot/2005/activity", func(http.ResponseWriter, *http.Request) {})
			ts := httptest.NewServer(mux)
			t.Cleanup(ts.Close)
			c := NewClient(ts.URL, 2005, WithClientCredentials("bot", clientSecretForTests), WithHTTPClient(ts.Client()))
			for range 3 {
				if err := c.Typing(t.Context(), 1, true); err != nil {
					t.Fatal(err)
				}
			}
			if n := tokens.Load(); n != 1 {
				t.Errorf("%d token requests for 3 calls, want 1", n)
			}
		})
	}
}

func TestClient401RefreshesOnceThenFails(t *testing.T) {
	s := newRawServer(t)
	s.answer = func(n int64, w http.ResponseWriter, r *http.Request) int {
		if n == 1 {
			return http.StatusUnauthorized
		}
		return http.StatusOK
	}
	c := s.client()
	// Unsafe activities are repeated after a 401 too: mluvii rejected them.
	if err := c.Send(t.Context(), &Forward{SessionID: 1, UserID: 3}); err != nil {
		t.Fatal(err)
	}
	if s.tokens.Load() != 2 || s.activities.Load() != 2 {
		t.Fatalf("tokens %d, activities %d; want 2, 2", s.tokens.Load(), s.activities.Load())
	}
	s.answer = func(int64, http.ResponseWriter, *http.Request) int { return http.StatusUnauthorized }
	err := c.Send(t.Context(), &GetAvailableGroups{SessionID: 1})
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 401 || apiErr.Activity != "GetAvailableGroups" {
		t.Fatalf("err = %v, want a 401 APIError", err)
	}
	if s.tokens.Load() != 3 || s.activities.Load() != 4 {
		t.Fatalf("tokens %d, activities %d; want 3, 4", s.tokens.Load(), s.activities.Load())
	}
}

func TestClientRetriesOnlySafeActivities(t *testing.T) {
	s := newRawServer(t)
	s.answer = func(n int64, w http.ResponseWriter, r *http.Request) int {
		if n <= 2 {
			return http.StatusServiceUnavailable
		}
		return http.StatusCreated
	}
	c := s.client()
	if err := c.Send(t.Context(), &GetAvailableGroups{SessionID: 1}); err != nil {
		t.Fatal(err)
	}
	if got := s.activities.Load(); got != 3 {
		t.Fatalf("safe activity sent %d times, want 3", got)
	}
	s.activities.Store(0)
	err := c.Send(t.Context(), &Forward{SessionID: 1, OperatorGroupID: 7})
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 {
		t.Fatalf("err = %v, want a 503 APIError", err)
	}
	if got := s.activities.Load(); got != 1 {
		t.Fatalf("unsafe activity sent %d times, want 1", got)
	}
}

func TestClientGivesUpAfterMaxAttempts(t *testing.T) {
	s := newRawServer(t)
	s.answer = func(int64, http.ResponseWriter, *http.Request) int { return http.StatusBadGateway }
	c := s.client(WithRetryPolicy(RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond}))
	err := c.Send(t.Context(), &GetAvailableGroups{SessionID: 1})
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 502 || !strings.Contains(err.Error(), "3 attempts") {
		t.Fatalf("err = %v", err)
	}
	if got := s.activities.Load(); got != 3 {
		t.Fatalf("sent %d times, want 3", got)
	}
	s.answer = func(int64, http.ResponseWriter, *http.Request) int { return http.StatusBadRequest }
	s.activities.Store(0)
	if err := c.Send(t.Context(), &GetAvailableGroups{SessionID: 1}); err == nil || s.activities.Load() != 1 {
		t.Fatalf("400: err = %v after %d attempts; want an error after 1", err, s.activities.Load())
	}
}

func TestClientHonoursRetryAfter(t *testing.T) {
	s := newRawServer(t)
	s.answer = func(n int64, w http.ResponseWriter, r *http.Request) int {
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			return http.StatusTooManyRequests
		}
		return http.StatusOK
	}
	c := s.client()
	start := time.Now()
	if err := c.Send(t.Context(), &GetAvailableGroups{SessionID: 1}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < time.Second {
		t.Fatalf("retried after %v, want ≥ 1 s", d)
	}
	// A Retry-After beyond the context's deadline fails at once.
	s.activities.Store(0)
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	start = time.Now()
	err := c.Send(ctx, &GetAvailableGroups{SessionID: 1})
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 429 || apiErr.RetryAfter != time.Second {
		t.Fatalf("err = %v, want the 429", err)
	}
	if time.Since(start) > 200*time.Millisecond {
		t.Fatalf("waited %v for a retry that could not happen", time.Since(start))
	}
}

// TestClientRetryAfterBeyondTheMaximum: a Retry-After longer than
// MaxRetryAfter fails the call at once instead of sleeping through it (the
// handlers' context has no deadline).
func TestClientRetryAfterBeyondTheMaximum(t *testing.T) {
	s := newRawServer(t)
	s.answer = func(n int64, w http.ResponseWriter, r *http.Request) int {
		w.Header().Set("Retry-After", "3600")
		return http.StatusTooManyRequests
	}
	for _, tc := range []struct {
		name string
		c    *Client
	}{
		{"default policy", NewClient(s.URL, 2005, WithClientCredentials("bot", clientSecretForTests), WithHTTPClient(s.Client()))},
		{"MaxRetryAfter 2s", s.client(WithRetryPolicy(RetryPolicy{MaxRetryAfter: 2 * time.Second}))},
	} {
		s.activities.Store(0)
		done := make(chan error, 1)
		go func() { done <- tc.c.Send(context.Background(), &GetAvailableGroups{SessionID: 1}) }()
		select {
		case err := <-done:
			var apiErr *APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != 429 || apiErr.RetryAfter != time.Hour {
				t.Errorf("%s: err = %v, want the 429 with its Retry-After", tc.name, err)
			}
			if n := s.activities.Load(); n != 1 {
				t.Errorf("%s: %d attempts, want 1", tc.name, n)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: Send is sleeping through a Retry-After of an hour", tc.name)
		}
	}
}

func TestRetryAfterParsing(t *testing.T) {
	now := time.Date(2024, 11, 5, 14, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		v    string
		want time.Duration
	}{
		{"", 0}, {"3", 3 * time.Second}, {"0", 0}, {"-4", 0}, {"soon", 0},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
	} {
		h := http.Header{}
		if tc.v != "" {
			h.Set("Retry-After", tc.v)
		}
		if got := retryAfter(h, now); got != tc.want {
			t.Errorf("Retry-After %q = %v, want %v", tc.v, got, tc.want)
		}
	}
}

func TestBackoffIsCappedWithJitter(t *testing.T) {
	p := RetryPolicy{BaseDelay: 10 * time.Millisecond, MaxDelay: 40 * time.Millisecond}.withDefaults()
	for n := 1; n < 70; n++ {
		ceiling := min(40*time.Millisecond, 10*time.Millisecond<<min(n-1, 10))
		for range 20 {
			if d := p.backoff(n, 0); d < 0 || d > ceiling {
				t.Fatalf("backoff(%d) = %v, want within [0, %v]", n, d, ceiling)
			}
		}
	}
	if d := p.backoff(1, time.Second); d != time.Second {
		t.Fatalf("backoff with Retry-After = %v", d)
	}
}

func TestClientValidatesBeforeSending(t *testing.T) {
	s := newRawServer(t)
	c := s.client()
	err := c.Send(t.Context(), &Forward{SessionID: 1})
	var vErr *ValidationError
	if !errors.Is(err, ErrInvalid) || !errors.As(err, &vErr) || vErr.Activity != "Forward" {
		t.Fatalf("err = %v, want a ValidationError for Forward", err)
	}
	if _, err := c.SendAndWait(t.Context(), &Forward{SessionID: 1}); err == nil {
		t.Fatal("SendAndWait of an invalid activity succeeded")
	}
	if err := c.Send(t.Context(), &GetAvailableGroupsResponse{SessionID: 1}); err == nil {
		t.Fatal("sending a response succeeded")
	}
	if s.activities.Load() != 0 || s.tokens.Load() != 0 {
		t.Fatalf("sent %d activities, %d token requests; want none", s.activities.Load(), s.tokens.Load())
	}
}

func TestClientWithoutCredentials(t *testing.T) {
	s := newRawServer(t)
	c := NewClient(s.URL, 2005)
	if err := c.Send(t.Context(), &GetAvailableGroups{SessionID: 1}); !errors.Is(err, ErrNoCredentials) {
		t.Fatalf("err = %v", err)
	}
	c = NewClient(s.URL, 2005, WithTokenSource(StaticToken("tok-static")))
	if err := c.Send(t.Context(), &GetAvailableGroups{SessionID: 1}); err != nil {
		t.Fatal(err)
	}
}

func TestClientTokenErrors(t *testing.T) {
	s := newRawServer(t)
	c := NewClient(s.URL, 2005, WithClientCredentials("bot", "wrong"))
	err := c.Send(t.Context(), &GetAvailableGroups{SessionID: 1})
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Endpoint != "token" || apiErr.StatusCode != 400 {
		t.Fatalf("err = %v, want the token endpoint's 400", err)
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Fatalf("error shows the secret: %v", err)
	}
}

func TestClientNetworkErrorRetriedWhenSafe(t *testing.T) {
	s := newRawServer(t)
	s.answer = func(n int64, w http.ResponseWriter, r *http.Request) int {
		if n == 1 {
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
			return 0
		}
		return http.StatusOK
	}
	c := s.client()
	if err := c.Send(t.Context(), &GetAvailableGroups{SessionID: 1}); err != nil {
		t.Fatal(err)
	}
	if got := s.activities.Load(); got != 2 {
		t.Fatalf("sent %d times, want 2", got)
	}
	s.activities.Store(0)
	err := c.Send(t.Context(), &Forward{SessionID: 1, UserID: 1})
	var apiErr *APIError
	if err == nil || errors.As(err, &apiErr) || s.activities.Load() != 1 {
		t.Fatalf("unsafe after a dropped connection: err %v, sent %d times", err, s.activities.Load())
	}
}

func TestClientContextCancelsBackoff(t *testing.T) {
	s := newRawServer(t)
	// The Retry-After makes every wait 10 s, so the cancel lands in one (with
	// a jittered backoff alone it sometimes landed in an attempt).
	s.answer = func(_ int64, w http.ResponseWriter, _ *http.Request) int {
		w.Header().Set("Retry-After", "10")
		return http.StatusServiceUnavailable
	}
	c := s.client(WithRetryPolicy(RetryPolicy{MaxAttempts: 100, BaseDelay: 50 * time.Millisecond, MaxDelay: 50 * time.Millisecond,
		MaxRetryAfter: time.Minute}))
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(120*time.Millisecond, cancel)
	start := time.Now()
	err := c.Send(ctx, &GetAvailableGroups{SessionID: 1})
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Send returned %v after the cancel", d)
	}
	var apiErr *APIError
	if !errors.Is(err, context.Canceled) || !errors.As(err, &apiErr) {
		t.Fatalf("err = %v, want context.Canceled wrapping the last 503", err)
	}
}

func TestSendAndWait(t *testing.T) {
	s := newRawServer(t)
	w := &Waiters{}
	var offered atomic.Bool
	// The answer arrives before the POST's reply: the waiter must exist already.
	s.answer = func(n int64, rw http.ResponseWriter, r *http.Request) int {
		offered.Store(w.Offer(&GetAvailableGroupsResponse{SessionID: 42}))
		return http.StatusOK
	}
	c := s.client(WithWaiters(w))
	resp, err := andWait[GetAvailableGroupsResponse](t.Context(), c, &GetAvailableGroups{SessionID: 42})
	if err != nil || resp.SessionID != 42 || !offered.Load() {
		t.Fatalf("resp %v, err %v, offered %v", resp, err, offered.Load())
	}
	// The waiter is gone: a duplicate goes to the handlers.
	if w.Offer(&GetAvailableGroupsResponse{SessionID: 42}) {
		t.Fatal("duplicate answer was taken by a finished waiter")
	}
}

func TestSendAndWaitInFlightAndTimeout(t *testing.T) {
	s := newRawServer(t)
	w := &Waiters{}
	c := s.client(WithWaiters(w))
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	errs := make(chan error, 1)
	go func() {
		_, err := c.SendAndWait(ctx, &GetAvailableGroups{SessionID: 7})
		errs <- err
	}()
	for s.activities.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	if _, err := c.SendAndWait(t.Context(), &GetAvailableGroups{SessionID: 7}); !errors.Is(err, ErrInFlight) {
		t.Fatalf("second request: err = %v, want ErrInFlight", err)
	}
	// Another session is independent: it is sent, and nobody answers.
	other, cancelOther := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancelOther()
	if _, err := c.SendAndWait(other, &GetAvailableGroups{SessionID: 8}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("other session: err = %v", err)
	}
	if err := <-errs; !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("first request: err = %v, want DeadlineExceeded", err)
	}
	if w.Offer(&GetAvailableGroupsResponse{SessionID: 7}) {
		t.Fatal("late answer was taken by a timed-out waiter")
	}
	if s.activities.Load() != 2 {
		t.Fatalf("sent %d, want 2 (ErrInFlight sends nothing)", s.activities.Load())
	}
}

func TestSendAndWaitSendFailureCancelsWaiter(t *testing.T) {
	s := newRawServer(t)
	s.answer = func(int64, http.ResponseWriter, *http.Request) int { return http.StatusBadRequest }
	w := &Waiters{}
	c := s.client(WithWaiters(w))
	if _, err := c.SendAndWait(t.Context(), &GetAvailableGroups{SessionID: 9}); err == nil {
		t.Fatal("want the 400")
	}
	if w.Offer(&GetAvailableGroupsResponse{SessionID: 9}) {
		t.Fatal("waiter survived a failed send")
	}
	c = s.client()
	if _, err := c.SendAndWait(t.Context(), &GetAvailableGroups{SessionID: 9}); !errors.Is(err, ErrNoWaiters) {
		t.Fatalf("err = %v, want ErrNoWaiters", err)
	}
}

func TestClientLogsWithoutSecrets(t *testing.T) {
	s := newRawServer(t)
	s.answer = func(n int64, w http.ResponseWriter, r *http.Request) int {
		if n == 1 {
			return http.StatusInternalServerError
		}
		return http.StatusOK
	}
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := s.client(WithClientLogger(log))
	if err := c.Send(t.Context(), &GetAvailableGroups{SessionID: 1}); err != nil {
		t.Fatal(err)
	}
	if err := c.SetCallbackURL(t.Context(), "https://bot.example.cz/hook?secret=cb-7Qm2xV9"); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, secret := range []string{clientSecretForTests, "tok-a", "cb-7Qm2xV9"} {
		if strings.Contains(out, secret) {
			t.Errorf("log shows %q:\n%s", secret, out)
		}
	}
	for _, want := range []string{"activity=GetAvailableGroups", "status=500", "retrying", "callbackUrl"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if got := string(s.bodies[len(s.bodies)-1]); got != "https://bot.example.cz/hook?secret=cb-7Qm2xV9" {
		t.Errorf("callback URL arrived as %q", got)
	}
}

func TestClientLeavesNoGoroutines(t *testing.T) {
	s := newRawServer(t)
	w := &Waiters{}
	c := s.client(WithWaiters(w))
	c.Send(t.Context(), &GetAvailableGroups{SessionID: 1}) // warm up connections
	before := runtime.NumGoroutine()
	for i := range 20 {
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Millisecond)
		c.SendAndWait(ctx, &GetAvailableGroups{SessionID: int64(i + 1)})
		cancel()
	}
	s.Client().CloseIdleConnections()
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if after := runtime.NumGoroutine(); after > before {
		t.Fatalf("goroutines: %d before, %d after", before, after)
	}
}

func TestClientTokenRefreshSurvivesTheLeaderGivingUp(t *testing.T) {
	s := newRawServer(t)
	s.tokenDelay.Store(int64(100 * time.Millisecond))
	c := s.client()
	leader, cancel := context.WithTimeout(t.Context(), 30*time.Millisecond)
	defer cancel()
	leaderErr := make(chan error, 1)
	go func() { leaderErr <- c.Send(leader, &GetAvailableGroups{SessionID: 1}) }()
	time.Sleep(10 * time.Millisecond) // the leader is fetching
	// This caller waits for the leader's fetch, sees it give up, and fetches
	// itself rather than failing with the leader's error.
	if err := c.Send(t.Context(), &GetAvailableGroups{SessionID: 2}); err != nil {
		t.Fatalf("waiter: %v", err)
	}
	if err := <-leaderErr; !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("leader: err = %v, want DeadlineExceeded", err)
	}
}

// TestAPIErrorKeepsCharactersWhole: the body in Error() is cut at a
// character boundary, never inside one.
func TestAPIErrorKeepsCharactersWhole(t *testing.T) {
	body := strings.Repeat("a", 199) + "ěščř"
	msg := (&APIError{StatusCode: 400, Body: []byte(body), Activity: "Text"}).Error()
	if !utf8.ValidString(msg) || !strings.HasSuffix(msg, strings.Repeat("a", 199)+"…") {
		t.Errorf("Error() = %q", msg)
	}
}
