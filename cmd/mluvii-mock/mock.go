package main

import (
	"bufio"
	"embed"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mluviigen/mluviigen/generated/mluvii"
	"github.com/mluviigen/mluviigen/generated/mluvii/mluviitest"
	"github.com/mluviigen/mluviigen/spec"
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
	// localOnly limits every endpoint, the fake's and the page's, to
	// requests naming a loopback host or one of allowHosts, as when listening
	// on loopback: a web page whose domain an attacker rebinds to 127.0.0.1
	// must not get a token, set the callback URL, read the transcript or chat.
	localOnly bool
	// allowHosts are more host names (or IP addresses) served with any port
	// when localOnly, such as host.docker.internal for a bot in a container.
	allowHosts []string
	// bodyTimeout bounds how long a request's body may take to arrive
	// (0: defaultBodyTimeout).
	bodyTimeout time.Duration
	// limits bound what the mock keeps and takes on (zero: defaultLimits).
	limits limits
}

// limits bound what the mock keeps and how much it takes on at once; the
// flags of the same names set them.
type limits struct {
	retention     time.Duration // ended sessions kept this long (<= 0: no time bound)
	keepEnded     int           // ended sessions kept (< 0: all)
	keepEntries   int           // transcript entries kept (< 0: all)
	maxOpen       int           // open sessions (<= 0: no bound)
	maxInFlight   int           // requests handled at once, by the fake's endpoints and by the page API each (<= 0: no bound)
	maxDeliveries int           // deliveries to the bot pending at once (<= 0: no bound)
	maxStreams    int           // the page's event streams open at once (<= 0: no bound)
}

// defaultLimits fit a mock running for days on a developer's machine.
func defaultLimits() limits {
	return limits{
		retention: time.Hour, keepEnded: 200, keepEntries: 10000, maxOpen: 10000,
		maxInFlight: 256, maxDeliveries: 1024, maxStreams: 64,
	}
}

// defaultBodyTimeout is how long a request's body may take to arrive: the
// bodies are small and come over loopback.
const defaultBodyTimeout = 10 * time.Second

// mock is the standalone fake mluvii: mluviitest's fake for the protocol
// endpoints, plus the chat page and its JSON API.
type mock struct {
	cfg      config
	fake     *mluviitest.Server
	handler  http.Handler
	stopping chan struct{} // closed at shutdown: ends the event streams
	stopOnce sync.Once

	pageSlots    chan struct{} // page API requests in flight (nil: no bound)
	uploadSlots  chan struct{} // uploads in flight: each may hold ~3× an 11 MB body
	streamSlots  chan struct{} // event streams open (nil: no bound)
	refusedPage  atomic.Int64  // page API requests answered 503 for pageSlots
	refusedEvent atomic.Int64  // event streams answered 503 for streamSlots

	allowed   map[string]bool // cfg.allowHosts as hostName returns them
	refusedMu sync.Mutex
	refused   map[string]bool // Host headers refused and logged, at most maxLoggedHosts
	tooMany   bool            // more hosts were refused, and that was logged
}

// maxUploads bounds the uploads handled at once, whatever --max-inflight:
// decoding one 11 MB body takes about 3× its size.
const maxUploads = 4

// maxLoggedHosts bounds the memory of which refused hosts were logged: the
// Host header is the client's to choose.
const maxLoggedHosts = 100

// newMock builds the mock; it does not listen (serve it at cfg.baseURL).
func newMock(cfg config) *mock {
	if cfg.limits == (limits{}) {
		cfg.limits = defaultLimits()
	}
	lim := cfg.limits
	opts := []mluviitest.Option{
		mluviitest.WithWorld(cfg.world.World),
		mluviitest.WithCallbackURL(cfg.callbackURL),
		mluviitest.WithSessionRetention(lim.retention),
		mluviitest.WithEndedSessionsKept(lim.keepEnded),
		mluviitest.WithTranscriptLimit(lim.keepEntries),
		mluviitest.WithMaxOpenSessions(lim.maxOpen),
		mluviitest.WithMaxInFlight(lim.maxInFlight),
		mluviitest.WithMaxDeliveries(lim.maxDeliveries),
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
	m := &mock{cfg: cfg, stopping: make(chan struct{}), allowed: map[string]bool{}, refused: map[string]bool{},
		uploadSlots: make(chan struct{}, maxUploads)}
	for _, h := range cfg.allowHosts {
		m.allowed[hostName(h)] = true
	}
	if lim.maxInFlight > 0 {
		m.pageSlots = make(chan struct{}, lim.maxInFlight)
	}
	if lim.maxStreams > 0 {
		m.streamSlots = make(chan struct{}, lim.maxStreams)
	}
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
	mux.Handle("/Storage/", fake) // the guest's files and the media objects

	static, _ := fs.Sub(webFiles, "web")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		http.ServeFileFS(w, r, static, "index.html")
	})

	page := func(pattern string, h http.HandlerFunc) {
		mux.Handle(pattern, bounded(m.pageSlots, &m.refusedPage, "page API requests", h))
	}
	page("GET /chat/info", m.handleInfo)
	page("GET /chat/stats", m.handleStats)
	page("GET /chat/session", m.handleSession)
	page("GET /chat/recording", m.handleRecording)
	page("POST /chat/start", m.handleStart)
	page("POST /chat/text", m.handleText)
	page("POST /chat/click", m.handleClick)
	page("POST /chat/submit", m.handleSubmit)
	page("POST /chat/upload", m.handleUpload)
	page("POST /chat/location", m.handleLocation)
	page("POST /chat/cancel", m.handleCancel)
	page("POST /chat/end", m.handleEnd)
	mux.Handle("GET /events", bounded(m.streamSlots, &m.refusedEvent, "event streams", http.HandlerFunc(m.handleEvents)))
	return mux
}

// bounded answers 503 with Retry-After, at once, to requests beyond the
// slots (nil: no bound), counting them in refused.
func bounded(slots chan struct{}, refused *atomic.Int64, what string, h http.Handler) http.Handler {
	if slots == nil {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case slots <- struct{}{}:
			defer func() { <-slots }()
			h.ServeHTTP(w, r)
		default:
			refused.Add(1)
			overloaded(w, fmt.Sprintf("mluvii-mock is overloaded: %d %s at once (--max-inflight, --max-streams); retry later", cap(slots), what))
		}
	})
}

// ServeHTTP serves the fake's endpoints, the page and its API.
func (m *mock) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if r.ContentLength != 0 {
		var done func()
		w, r, done = m.guardBody(w, r)
		defer done()
	}
	if m.cfg.localOnly && !m.hostServed(r.Host) {
		m.refuse(w, r)
		return
	}
	if !strings.HasPrefix(r.URL.Path, "/api/") && !strings.HasPrefix(r.URL.Path, "/login/") {
		// The page loads nothing from elsewhere, and may not be framed.
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' http: https: data:; frame-ancestors 'none'")
	}
	m.handler.ServeHTTP(w, r)
}

// guardBody keeps a slow request body from holding a connection: the body
// must be in within the body timeout (net/http clears the read deadline once
// the body has been read, so a handler waiting for the bot keeps its
// connection and its context), and an answer given before the body was read
// to its end closes the connection at once. (net/http would otherwise read up to 256 KiB more of the body after
// the handler, waiting for as long as the body takes.) Call done when the
// handler has returned.
func (m *mock) guardBody(w http.ResponseWriter, r *http.Request) (_ http.ResponseWriter, _ *http.Request, done func()) {
	timeout := m.cfg.bodyTimeout
	if timeout <= 0 {
		timeout = defaultBodyTimeout
	}
	rc := http.NewResponseController(w)
	if rc.SetReadDeadline(time.Now().Add(timeout)) != nil {
		return w, r, func() {} // no deadlines here (not a net/http server connection)
	}
	body := &watchedBody{ReadCloser: r.Body}
	r = r.WithContext(r.Context()) // a copy, to replace its body
	r.Body = body
	return &answerGuard{ResponseWriter: w, body: body}, r, func() {
		if !body.eof.Load() {
			_ = rc.SetReadDeadline(time.Now()) // the rest of the body is not waited for
		}
	}
}

// watchedBody notes when a request body has been read to its end.
type watchedBody struct {
	io.ReadCloser
	eof atomic.Bool
}

func (b *watchedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.eof.Store(true)
	}
	return n, err
}

// answerGuard closes the connection after an answer that was written before
// the request body was read to its end.
type answerGuard struct {
	http.ResponseWriter
	body  *watchedBody
	wrote bool
}

func (g *answerGuard) WriteHeader(code int) {
	if !g.wrote && code >= 200 {
		g.wrote = true
		if !g.body.eof.Load() {
			g.Header().Set("Connection", "close")
		}
	}
	g.ResponseWriter.WriteHeader(code)
}

func (g *answerGuard) Write(p []byte) (int, error) {
	if !g.wrote {
		g.WriteHeader(http.StatusOK)
	}
	return g.ResponseWriter.Write(p)
}

// Flush, Hijack and Unwrap keep what the handlers use of the ResponseWriter
// beneath (the fake flushes an activity's answer before its deliveries).
func (g *answerGuard) Flush() {
	if !g.wrote {
		g.WriteHeader(http.StatusOK)
	}
	_ = http.NewResponseController(g.ResponseWriter).Flush()
}

func (g *answerGuard) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(g.ResponseWriter).Hijack()
}

func (g *answerGuard) Unwrap() http.ResponseWriter { return g.ResponseWriter }

// hostServed reports whether a mock on loopback serves a request with this
// Host header: a loopback host or one of --allow-host, any port.
func (m *mock) hostServed(hostport string) bool {
	return loopbackHost(hostport) || m.allowed[hostName(hostport)]
}

// refuse answers a request for a host the mock does not serve, at once and
// without reading its body, and closes the connection.
func (m *mock) refuse(w http.ResponseWriter, r *http.Request) {
	m.logRefused(r)
	w.Header().Set("Connection", "close")
	http.Error(w, fmt.Sprintf("mluvii-mock listens on loopback and serves only loopback hosts (localhost, 127.0.0.1, [::1]) "+
		"and the names given with --allow-host, not %q (a web page rebinding its name to 127.0.0.1?)", r.Host), http.StatusForbidden)
}

// logRefused logs the first refusal of each host, up to maxLoggedHosts hosts.
func (m *mock) logRefused(r *http.Request) {
	host := r.Host
	if m.cfg.logf == nil {
		return
	}
	m.refusedMu.Lock()
	defer m.refusedMu.Unlock()
	switch {
	case m.refused[host] || m.tooMany:
		return
	case len(m.refused) == maxLoggedHosts:
		m.tooMany = true
		m.cfg.logf("mluvii-mock: refused requests for more than %d hosts; no more are logged", maxLoggedHosts)
		return
	}
	m.refused[host] = true
	m.cfg.logf("mluvii-mock: refused a request for host %q (%s %s): on loopback only loopback hosts and --allow-host names "+
		"are served (logged once per host)", host, r.Method, r.URL.Path)
}

// loopbackHost reports whether a Host header names this machine's loopback:
// localhost (or a name under .localhost) or a loopback IP, any port.
func loopbackHost(hostport string) bool {
	host := hostName(hostport)
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// hostName is the host of a Host header without its port, in lower case,
// without brackets around an IPv6 address and without a trailing dot.
func hostName(hostport string) string {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	return strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
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

// channelHint suggests the channel a misspelled name meant.
func channelHint(name string) string {
	var names []string
	for _, c := range mluvii.AllChannels() {
		names = append(names, string(c))
	}
	return spec.DidYouMean(name, names)
}

func channelNames() string {
	var names []string
	for _, c := range mluvii.AllChannels() {
		names = append(names, string(c))
	}
	return strings.Join(names, ", ")
}
