// Command mluvii-mock runs a fake mluvii on localhost for developing a
// chatbot without a mluvii tenant: the same fake as package mluviitest (token
// endpoint, activity endpoint checking every body against the spec, callback
// deliveries), plus a chat page at / where you play the guest.
//
//	mluvii-mock [--addr 127.0.0.1:8765] --callback URL [--world FILE] [--channel NAME] [--allow-host NAME,…]
//
// It prints what the bot must be configured with, logs every activity in both
// directions to stderr, and shuts down cleanly on Ctrl-C.
//
// What it keeps is bounded, so it can run for days: ended sessions are
// released after --retention or beyond --keep-ended, the transcript keeps
// --keep-entries. What it takes on is bounded too: beyond --max-inflight,
// --max-deliveries, --max-open or --max-streams it answers 429 (the mluvii
// API) or 503 (the page) with Retry-After at once, logs the refusals every
// 10 s, and GET /chat/stats shows the counts.
//
// On a loopback address every endpoint, the mluvii API as well as the page,
// answers only requests whose Host is a loopback host (localhost, a name
// under .localhost, 127.0.0.0/8, [::1], any port) or a name given with
// --allow-host; others get a 403. A web page whose domain an attacker rebinds
// to 127.0.0.1 thus cannot take a token, set the callback URL or chat. On any
// other address (0.0.0.0, a LAN address) every host is served.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/mluviigen/mluviigen/generated/mluvii"
	"github.com/mluviigen/mluviigen/generated/mluvii/mluviitest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Defaults of the credentials the mock accepts; cmd/demobot uses the same.
const (
	defaultAddr         = "127.0.0.1:8765"
	defaultChatbotID    = 2005
	defaultClientID     = "mluvii-mock"
	defaultClientSecret = "mluvii-mock-secret"
)

// options are the command line.
type options struct {
	addr, callback, worldFile, channel string
	chatbotID                          int64
	clientID, clientSecret             string
	allowHosts                         []string
	quiet                              bool
	tls                                bool
	certFile                           string
	limits                             limits
}

func parseArgs(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := pflag.NewFlagSet("mluvii-mock", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.addr, "addr", defaultAddr, "address to listen on (host:port; port 0 picks a free one)")
	fs.StringVar(&o.callback, "callback", "", "the bot's webhook `URL` (its query string is kept, e.g. ?secret=…); the bot may also set it with PUT /api/v1/Chatbot/{id}?callbackUrl=")
	fs.StringVar(&o.worldFile, "world", "", "YAML `file` with operators, groups, hero cards, media objects, contacts and call params (see cmd/mluvii-mock/world.example.yaml)")
	fs.StringVar(&o.channel, "channel", string(mluvii.AllChannels()[0]), "the chat page's default `channel` ("+channelNames()+")")
	fs.Int64Var(&o.chatbotID, "chatbot-id", defaultChatbotID, "chatbot id in the activity endpoint's path")
	fs.StringVar(&o.clientID, "client-id", defaultClientID, "API client id the token endpoint accepts")
	fs.StringVar(&o.clientSecret, "client-secret", defaultClientSecret, "API client secret the token endpoint accepts")
	fs.StringSliceVar(&o.allowHosts, "allow-host", nil, "on a loopback --addr, serve these host `names` too (any port; repeatable, comma-separated), e.g. host.docker.internal for a bot in a container")
	fs.BoolVarP(&o.quiet, "quiet", "q", false, "do not log every activity to stderr")
	fs.BoolVar(&o.tls, "tls", false, "serve https with a certificate made at start (for bots that hard-code https:// for mluvii's base URL); it is written to --tls-cert for the bot to trust")
	fs.StringVar(&o.certFile, "tls-cert", defaultCertFile(), "with --tls, the `file` the certificate (PEM, public) is written to")
	d := defaultLimits()
	fs.DurationVar(&o.limits.retention, "retention", d.retention, "release an ended session this long after it ended (0: only --keep-ended applies)")
	fs.IntVar(&o.limits.keepEnded, "keep-ended", d.keepEnded, "keep at most the last `N` ended sessions (-1: all)")
	fs.IntVar(&o.limits.keepEntries, "keep-entries", d.keepEntries, "keep the last `N` entries of the transcript (the page, the log, GET /events; -1: all)")
	fs.IntVar(&o.limits.maxOpen, "max-open", d.maxOpen, "open sessions at most; starting more answers 503 (0: no bound)")
	fs.IntVar(&o.limits.maxInFlight, "max-inflight", d.maxInFlight, "requests handled at once by the mluvii API (beyond: 429) and by the page API (beyond: 503), each (0: no bound)")
	fs.IntVar(&o.limits.maxDeliveries, "max-deliveries", d.maxDeliveries, "deliveries to the bot pending at once; beyond, guest actions answer 503 and the bot's requests 429 (0: no bound)")
	fs.IntVar(&o.limits.maxStreams, "max-streams", d.maxStreams, "event streams (GET /events, one per open page) at once; beyond: 503 (0: no bound)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: mluvii-mock [--addr 127.0.0.1:8765] --callback URL [--world FILE] [--channel NAME] [--allow-host NAME,…] [--tls [--tls-cert FILE]]\n\n"+
			"A fake mluvii for local bot development, with a chat page at /.\n\n"+
			"On a loopback address every endpoint (token, activity, callback URL, the page and its API)\n"+
			"answers only requests for a loopback host or an --allow-host name, and 403 to others\n"+
			"(DNS rebinding); on 0.0.0.0 or a LAN address every host is served.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if _, ok := channel(o.channel); !ok {
		return o, fmt.Errorf("--channel %q%s: the spec's channels are %s", o.channel, channelHint(o.channel), channelNames())
	}
	if o.callback != "" {
		if u, err := url.Parse(o.callback); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return o, fmt.Errorf("--callback %q: want an absolute http(s) URL such as http://127.0.0.1:8080/mluvii?secret=…", o.callback)
		}
	}
	if o.chatbotID <= 0 {
		return o, fmt.Errorf("--chatbot-id must be positive")
	}
	for _, h := range o.allowHosts {
		if err := checkAllowHost(h); err != nil {
			return o, err
		}
	}
	if err := o.limits.check(); err != nil {
		return o, err
	}
	return o, nil
}

// check refuses limits no flag's help gives a meaning to.
func (l limits) check() error {
	switch {
	case l.retention < 0:
		return fmt.Errorf("--retention %v: want 0 (only --keep-ended applies) or more", l.retention)
	case l.keepEnded < -1:
		return fmt.Errorf("--keep-ended %d: want -1 (all) or more", l.keepEnded)
	case l.keepEntries < -1:
		return fmt.Errorf("--keep-entries %d: want -1 (all) or more", l.keepEntries)
	}
	for _, f := range []struct {
		name string
		n    int
	}{{"--max-open", l.maxOpen}, {"--max-inflight", l.maxInFlight}, {"--max-deliveries", l.maxDeliveries}, {"--max-streams", l.maxStreams}} {
		if f.n < 0 {
			return fmt.Errorf("%s %d: want 0 (no bound) or more", f.name, f.n)
		}
	}
	return nil
}

// run is the program: 0 after a clean shutdown (ctx ended), 1 on errors, 2
// on a bad command line.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseArgs(args, stderr)
	if errors.Is(err, pflag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "mluvii-mock: %v\n", err)
		return 2
	}
	w := defaultWorld()
	if o.worldFile != "" {
		if w, err = loadWorld(o.worldFile); err != nil {
			fmt.Fprintf(stderr, "mluvii-mock: %v\n", err)
			return 1
		}
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		fmt.Fprintf(stderr, "mluvii-mock: %v\n", err)
		return 1
	}
	base := baseURL(ln.Addr())
	if o.tls {
		cert, err := selfSigned(ln.Addr(), o.allowHosts, o.certFile)
		if err != nil {
			_ = ln.Close()
			fmt.Fprintf(stderr, "mluvii-mock: %v\n", err)
			return 1
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
		base = "https" + strings.TrimPrefix(base, "http")
	}
	ch, _ := channel(o.channel)
	logw := &lockedWriter{w: stderr}
	localOnly := loopbackHost(ln.Addr().String())
	if !localOnly && len(o.allowHosts) > 0 {
		logw.printf("mluvii-mock: --allow-host has no effect: on %s every host is served", ln.Addr())
	}
	m := newMock(config{
		baseURL: base, callbackURL: o.callback, channel: ch, world: w,
		chatbotID: o.chatbotID, clientID: o.clientID, clientSecret: o.clientSecret,
		logf:      func(format string, args ...any) { logw.printf(format, args...) },
		localOnly: localOnly, allowHosts: o.allowHosts, limits: o.limits,
	})
	hs := newHTTPServer(m)
	hs.RegisterOnShutdown(m.stop)
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	certFile := ""
	if o.tls {
		certFile = o.certFile
	}
	printBanner(stdout, m, certFile)
	if !o.quiet {
		go logTranscript(m, logw)
	}
	go logOverload(m, logw, 10*time.Second)

	code := 0
	select {
	case <-ctx.Done():
	case err := <-served:
		fmt.Fprintf(stderr, "mluvii-mock: %v\n", err)
		code = 1
	}
	fmt.Fprintln(stderr, "mluvii-mock: shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		// Guest actions still waiting for the bot: the fake's Close cancels them.
		fmt.Fprintf(stderr, "mluvii-mock: shutdown: %v\n", err)
	}
	m.Close()
	_ = hs.Close()
	return code
}

// newHTTPServer is the server run serves h with: a request's head within
// 10 s, and a keep-alive connection idle for 2 minutes closed (without
// IdleTimeout net/http keeps an idle connection, and its goroutine, for
// ever; 2 minutes is longer than the 90 s a Go client keeps one, so a bot
// does not reuse a connection the mock is closing).
func newHTTPServer(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
}

// checkAllowHost accepts a host name or IP address, with or without a port
// (any port is served), and nothing else: no scheme, path or wildcard.
func checkAllowHost(h string) error {
	_, port, _ := net.SplitHostPort(h)
	if hostName(h) == "" || strings.ContainsAny(h, "/\\@?#*%, \t\r\n") || strings.Trim(port, "0123456789") != "" {
		return fmt.Errorf("--allow-host %q: want a host name or IP address such as host.docker.internal (any port is served)", h)
	}
	return nil
}

// baseURL is the URL of the listener, with a loopback host for the
// unspecified address (a bot on this machine can reach that).
func baseURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String()
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// printBanner writes the banner in one write, so that whoever reads the
// output as it comes (a test, a script waiting for the URL) sees all of it
// once it sees its first line. certFile is the --tls certificate, or "".
func printBanner(w io.Writer, m *mock, certFile string) {
	c := m.cfg
	callback := m.fake.CallbackURL()
	if callback == "" {
		callback = "(none yet: pass --callback, or let the bot PUT /api/v1/Chatbot/{id}?callbackUrl=…)"
	}
	banner := fmt.Sprintf(`mluvii-mock: a fake mluvii on %[1]s (Ctrl-C stops it)

  chat page      %[1]s/

Configure the bot with:
  base URL       %[1]s
  chatbot id     %[2]d
  client id      %[3]s
  client secret  %[4]s
  callback URL   %[5]s

  for cmd/demobot: MLUVII_BASE_URL=%[1]s MLUVII_CHATBOT_ID=%[2]d MLUVII_CLIENT_ID=%[3]s MLUVII_CLIENT_SECRET=%[4]s
  (and DEMOBOT_LISTEN for its webhook's address, MLUVII_CALLBACK_SECRET for the secret the callback URL carries)

Limits: the last %[6]s ended sessions for %[7]s, %[8]s transcript entries, %[9]s open sessions;
  %[10]s requests in flight, %[11]s deliveries pending, %[12]s event streams (429/503 beyond; GET /chat/stats)

`, c.baseURL, c.chatbotID, c.clientID, c.clientSecret, callback,
		count(c.limits.keepEnded, -1, "all"), span(c.limits.retention), count(c.limits.keepEntries, -1, "all"),
		count(c.limits.maxOpen, 0, "any number of"), count(c.limits.maxInFlight, 0, "any number of"),
		count(c.limits.maxDeliveries, 0, "any number of"), count(c.limits.maxStreams, 0, "any number of"))
	if certFile != "" {
		banner += fmt.Sprintf("TLS: the certificate is in %[1]s; make the bot trust it (a Go bot: SSL_CERT_FILE=%[1]s, or add it to\n  the RootCAs of its HTTP client's TLS config)\n\n", certFile)
	}
	_, _ = io.WriteString(w, banner)
}

// logTranscript writes every activity, both directions, to w in transcript
// order, each once its delivery is over. An entry that left the transcript
// (--keep-entries, --keep-ended) before it was seen is skipped; one that left
// while its delivery was pending is written as it was then.
func logTranscript(m *mock, w *lockedWriter) {
	f := newFollower(1)
	next, held := 1, map[int]mluviitest.Entry{}
	for {
		entries, changed := f.poll(m.fake)
		for _, e := range entries {
			held[e.Seq] = e
		}
		for ; next < f.next; next++ {
			e, ok := held[next]
			if ok && pending(e) && f.pending[next] {
				break // still in the transcript: wait for its outcome
			}
			if ok {
				w.printf("%s", e.String())
				delete(held, next)
			}
		}
		select {
		case <-changed:
		case <-m.stopping:
			return
		}
	}
}

// logOverload logs, every interval, what the mock refused in it, with the
// counts of what it holds.
func logOverload(m *mock, w *lockedWriter, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	var last statsView
	for {
		select {
		case <-tick.C:
		case <-m.stopping:
			return
		}
		st := m.stats()
		req, del := st.RefusedRequests-last.RefusedRequests, st.RefusedDeliveries-last.RefusedDeliveries
		page, streams := st.RefusedPageRequests-last.RefusedPageRequests, st.RefusedStreams-last.RefusedStreams
		if req+del+page+streams > 0 {
			w.printf("mluvii-mock: overloaded in the last %v: refused %d bot requests (429), %d guest actions and %d page requests (503), %d event streams; "+
				"now %d open and %d ended sessions, %d transcript entries, %d deliveries pending (GET /chat/stats)",
				interval, req, del, page, streams, st.OpenSessions, st.EndedSessions, st.TranscriptEntries, st.PendingDeliveries)
		}
		last = st
	}
}

// lockedWriter serializes log lines from several goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) printf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := fmt.Sprintf(format, args...)
	if !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	_, _ = io.WriteString(l.w, s)
}

// count prints a limit, or what unbounded means for it.
func count(n, unbounded int, word string) string {
	if n == unbounded {
		return word
	}
	return fmt.Sprint(n)
}

// span prints the retention, or that there is none.
func span(d time.Duration) string {
	if d == 0 {
		return "no time bound"
	}
	return d.String()
}
