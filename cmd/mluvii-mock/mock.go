package main

import (
	"embed"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"strings"
	"sync"

	"github.com/mluviigen/mluviigen/generated/mluvii"
	"github.com/mluviigen/mluviigen/generated/mluvii/mluviitest"
)

//go:embed web
var webFiles embed.FS

// config is what the mock runs with.
type config struct {
	baseURL      string // where the mock is reachable, e.g. http://127.0.0.1:8765
	callbackURL  string // the bot's webhook ("" until the bot PUTs one)
	channel      mluvii.Channel
	world        world
	chatbotID    int64
	clientID     string
	clientSecret string
	logf         func(format string, args ...any) // nil: discard
	// localOnly limits the page and its API to requests naming a loopback
	// host, as when listening on loopback: a web page whose domain an
	// attacker rebinds to 127.0.0.1 must not read the transcript or chat.
	localOnly bool
}

// mock is the standalone fake mluvii: mluviitest's fake for the protocol
// endpoints, plus the chat page and its JSON API.
type mock struct {
	cfg      config
	fake     *mluviitest.Server
	handler  http.Handler
	stopping chan struct{} // closed at shutdown: ends the event streams
	stopOnce sync.Once
}

// newMock builds the mock; it does not listen (serve it at cfg.baseURL).
func newMock(cfg config) *mock {
	opts := []mluviitest.Option{
		mluviitest.WithWorld(cfg.world.World),
		mluviitest.WithCallbackURL(cfg.callbackURL),
	}
	if cfg.chatbotID != 0 {
		opts = append(opts, mluviitest.WithChatbotID(cfg.chatbotID))
	}
	if cfg.clientID != "" || cfg.clientSecret != "" {
		opts = append(opts, mluviitest.WithCredentials(cfg.clientID, cfg.clientSecret))
	}
	if cfg.world.Language != "" {
		opts = append(opts, mluviitest.WithLanguage(cfg.world.Language))
	}
	m := &mock{cfg: cfg, stopping: make(chan struct{})}
	m.fake = mluviitest.NewStandalone(cfg.baseURL, cfg.logf, opts...)
	m.cfg.chatbotID, m.cfg.clientID, m.cfg.clientSecret = m.fake.ChatbotID, m.fake.ClientID, m.fake.ClientSecret
	m.handler = m.routes()
	return m
}

func (m *mock) routes() http.Handler {
	mux := http.NewServeMux()
	fake := m.fake.Handler()
	mux.Handle("/login/", fake)
	mux.Handle("/api/v1/", fake)

	static, _ := fs.Sub(webFiles, "web")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		http.ServeFileFS(w, r, static, "index.html")
	})

	mux.HandleFunc("GET /chat/info", m.handleInfo)
	mux.HandleFunc("GET /chat/session", m.handleSession)
	mux.HandleFunc("POST /chat/start", m.handleStart)
	mux.HandleFunc("POST /chat/text", m.handleText)
	mux.HandleFunc("POST /chat/click", m.handleClick)
	mux.HandleFunc("POST /chat/submit", m.handleSubmit)
	mux.HandleFunc("POST /chat/upload", m.handleUpload)
	mux.HandleFunc("POST /chat/location", m.handleLocation)
	mux.HandleFunc("POST /chat/end", m.handleEnd)
	mux.HandleFunc("GET /events", m.handleEvents)
	return mux
}

// ServeHTTP serves the fake's endpoints, the page and its API.
func (m *mock) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if !strings.HasPrefix(r.URL.Path, "/api/") && !strings.HasPrefix(r.URL.Path, "/login/") {
		if m.cfg.localOnly && !loopbackHost(r.Host) {
			http.Error(w, fmt.Sprintf("mluvii-mock listens on loopback and serves its page only to a loopback host, not %q (DNS rebinding?); open %s/", r.Host, m.cfg.baseURL), http.StatusForbidden)
			return
		}
		// The page loads nothing from elsewhere, and may not be framed.
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' http: https: data:; frame-ancestors 'none'")
	}
	m.handler.ServeHTTP(w, r)
}

// loopbackHost reports whether a Host header names this machine's loopback:
// localhost (or a name under .localhost) or a loopback IP, any port.
func loopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// stop ends the event streams, so http.Server.Shutdown need not wait for them.
func (m *mock) stop() { m.stopOnce.Do(func() { close(m.stopping) }) }

// Close ends the event streams and stops the fake (in-flight deliveries to
// the bot are canceled).
func (m *mock) Close() {
	m.stop()
	m.fake.Close()
}

// channel finds a channel of the spec by name, in any letter case.
func channel(name string) (mluvii.Channel, bool) {
	for _, c := range mluvii.AllChannels() {
		if strings.EqualFold(string(c), name) {
			return c, true
		}
	}
	return "", false
}

func channelNames() string {
	var names []string
	for _, c := range mluvii.AllChannels() {
		names = append(names, string(c))
	}
	return strings.Join(names, ", ")
}
