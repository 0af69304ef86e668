package mluviitest

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Server is a fake mluvii on an httptest server. It speaks the chatbot
// protocol: a token endpoint, the activity endpoint the bot POSTs to, the
// callback-URL endpoint, and POSTs of events and responses to the bot.
// Everything is per server; servers in parallel tests do not share state.
type Server struct {
	// URL is the base URL to give the bot's client (like https://app.mluvii.com).
	URL string
	// ChatbotID is the chatbot id the activity endpoint answers for.
	ChatbotID int64
	// ClientID and ClientSecret are the API credentials the token endpoint accepts.
	ClientID, ClientSecret string

	cfg    config
	tb     testing.TB
	ts     *httptest.Server
	client *http.Client // for POSTs to the bot
	clock  Clock
	ctx    context.Context // canceled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup // asynchronous deliveries

	mu           sync.Mutex
	closed       bool
	callbackURL  string
	tokens       map[string]time.Time // token → expiry
	tokenQ       []issued             // the tokens in order of issue (and expiry)
	tokensIssued int
	faults       map[string]*faultState
	tokenFault   *faultState
	sessions     map[int64]*sessionState
	nextID       int64
	failingSince time.Time // first failed ack of the current failing streak
	disabled     bool
	log          transcript
	files        fileStore

	open              int             // sessions not ended
	endedQ            []*sessionState // retained ended sessions, in order of ending
	releasedSessions  int
	inFlight          atomic.Int64 // requests being handled (WithMaxInFlight)
	deliveries        int          // deliveries pending (WithMaxDeliveries)
	refusedRequests   atomic.Int64
	refusedDeliveries int
}

// NewServer starts a fake mluvii and closes it when the test ends.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	return startServer(t, (*httptest.Server).Start, opts)
}

// NewTLSServer is NewServer serving https, with a certificate made for the
// test: for bots that hard-code https:// for mluvii's base URL. Give the
// bot's client an HTTP client that trusts it, TLSClient:
//
//	srv := mluviitest.NewTLSServer(t)
//	client := mluvii.NewClient(srv.URL, srv.ChatbotID, creds, mluvii.WithHTTPClient(srv.TLSClient()))
func NewTLSServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	return startServer(t, (*httptest.Server).StartTLS, opts)
}

// startServer builds a server, starts it with start (plain or TLS) and
// closes it when the test ends.
func startServer(t testing.TB, start func(*httptest.Server), opts []Option) *Server {
	t.Helper()
	s := newServer(t, opts...)
	start(s.ts)
	s.URL = s.ts.URL
	t.Cleanup(s.Close)
	return s
}

// TLSClient returns an HTTP client that trusts the certificate of a
// NewTLSServer (for NewServer, a plain client). It is the server's own: do
// not change its settings.
func (s *Server) TLSClient() *http.Client { return s.ts.Client() }

// Certificate returns the certificate a NewTLSServer serves, to add to the
// roots a bot trusts; nil for NewServer.
func (s *Server) Certificate() *x509.Certificate { return s.ts.Certificate() }

// newServer builds an unstarted server. tb may be nil (a standalone fake);
// then logs go nowhere and the t-style helpers panic on failure.
func newServer(tb testing.TB, opts ...Option) *Server {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	if tb == nil {
		tb = panicTB{}
	}
	if spec.err != nil {
		tb.Helper()
		tb.Fatalf("%v", spec.err)
	}
	if err := checkGroups(cfg.world.Groups); err != nil {
		tb.Helper()
		tb.Fatalf("%v", err)
	}
	s := &Server{
		ChatbotID: cfg.chatbotID, ClientID: cfg.clientID, ClientSecret: cfg.clientSecret,
		cfg: cfg, tb: tb, clock: cfg.clock,
		callbackURL: cfg.callbackURL,
		tokens:      map[string]time.Time{},
		faults:      map[string]*faultState{},
		sessions:    map[int64]*sessionState{},
		nextID:      4815162342,
	}
	s.log.init()
	s.files.init(cfg.world.MediaObjects)
	for name, f := range cfg.faults {
		s.faults[name] = &faultState{f: f, left: f.Times}
	}
	if cfg.tokenFault != nil {
		s.tokenFault = &faultState{f: *cfg.tokenFault, left: cfg.tokenFault.Times}
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = 0, 1024 // many sessions call the same bot at once
	s.client = &http.Client{Transport: tr, Timeout: cfg.callbackTimeout}
	s.ts = httptest.NewUnstartedServer(s.routes())
	return s
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login/connect/token", s.handleToken)
	mux.HandleFunc("POST /api/v1/Chatbot/{chatbotId}/activity", s.handleActivity)
	mux.HandleFunc("PUT /api/v1/Chatbot/{chatbotId}", s.handleCallbackURL)
	mux.HandleFunc("GET /Storage/Get", s.handleFile)
	return s.limitInFlight(mux)
}

// Close stops the server: in-flight deliveries are canceled and waited for.
// NewServer registers it with t.Cleanup; calling it twice is harmless.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.ts.Close()
	s.wg.Wait()
	s.client.CloseIdleConnections()
}

// logf logs through the test while the server is open (a test's log must
// not be written after it ends).
func (s *Server) logf(format string, args ...any) {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if !closed {
		s.tb.Helper()
		msg := fmt.Sprintf(format, args...)
		if !strings.HasPrefix(msg, "mluviitest: ") { // errors carry the prefix already
			msg = "mluviitest: " + msg
		}
		s.tb.Logf("%s", msg)
	}
}

// Clock returns the server's clock.
func (s *Server) Clock() Clock { return s.clock }

// chatbotOK checks the {chatbotId} path segment, answering 404 otherwise.
func (s *Server) chatbotOK(w http.ResponseWriter, r *http.Request) bool {
	id, err := strconv.ParseInt(r.PathValue("chatbotId"), 10, 64)
	if err != nil || id != s.ChatbotID {
		httpError(w, http.StatusNotFound, fmt.Sprintf("chatbot %q not found (this fake serves chatbot %d)", r.PathValue("chatbotId"), s.ChatbotID))
		return false
	}
	return true
}

// authorized checks the bearer token, answering 401 otherwise.
func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	var msg string
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		msg = "missing bearer token (Authorization: Bearer <access_token> from /login/connect/token)"
	} else {
		s.mu.Lock()
		exp, ok := s.tokens[token]
		s.mu.Unlock()
		switch {
		case !ok:
			msg = "unknown access token"
		case !s.clock.Now().Before(exp):
			msg = "access token expired"
		}
	}
	if msg == "" {
		return true
	}
	w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	httpError(w, http.StatusUnauthorized, msg)
	return false
}

// httpError answers with a plain-text message.
func httpError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	fmt.Fprintln(w, msg)
}

// randomHex returns n random bytes as hex, for tokens and guest ids.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// sleep waits d on the server's clock; false when the server closed first.
func (s *Server) sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	select {
	case <-s.clock.After(d):
		return true
	case <-ctx.Done():
		return false
	case <-s.ctx.Done():
		return false
	}
}

// panicTB stands in for a testing.TB when the server runs outside a test.
type panicTB struct{ testing.TB }

func (panicTB) Helper()                      {}
func (panicTB) Logf(string, ...any)          {}
func (panicTB) Errorf(f string, args ...any) { panic(fmt.Sprintf(f, args...)) }
func (panicTB) Fatalf(f string, args ...any) { panic(fmt.Sprintf(f, args...)) }
func (panicTB) Cleanup(func())               {}
func (panicTB) Name() string                 { return "mluvii-mock" }
