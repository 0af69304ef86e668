package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mluviigen/mluviigen/generated/mluvii"
)

// syncBuffer is a bytes.Buffer safe for one writer and one reader. It also
// keeps what the first Write wrote.
type syncBuffer struct {
	mu    sync.Mutex
	b     bytes.Buffer
	first string
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.b.Len() == 0 && s.first == "" {
		s.first = string(p)
	}
	return s.b.Write(p)
}

func (s *syncBuffer) First() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.first
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor polls buf until re matches, and returns the first submatch.
func waitFor(t *testing.T, buf *syncBuffer, re *regexp.Regexp) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(buf.String()); m != nil {
			return m[1]
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no %v in the output:\n%s", re, buf.String())
	return ""
}

// TestRun starts the command, uses it, and stops it as Ctrl-C does: run
// returns 0 promptly even with an event stream open.
func TestRun(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	code := make(chan int, 1)
	go func() {
		code <- run(ctx, []string{"--addr", "127.0.0.1:0", "--callback", "http://127.0.0.1:1/mluvii?secret=s", "--channel", "whatsapp", "--chatbot-id", "7"}, &stdout, &stderr)
	}()
	base := waitFor(t, &stdout, regexp.MustCompile(`chat page +(http://127\.0\.0\.1:\d+)/`))
	for _, want := range []string{"base URL       " + base, "chatbot id     7", "client id      mluvii-mock",
		"client secret  mluvii-mock-secret", "callback URL   http://127.0.0.1:1/mluvii?secret=s"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("banner lacks %q:\n%s", want, stdout.String())
		}
	}
	resp, err := http.Get(base + "/chat/info")
	if err != nil {
		t.Fatal(err)
	}
	info := decodeBody(t, resp.Body)
	resp.Body.Close()
	if info["defaultChannel"] != "WhatsApp" {
		t.Errorf("default channel %v", info["defaultChannel"])
	}
	// A conversation with the bot down: logged to stderr.
	resp, err = http.Post(base+"/chat/start", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	waitFor(t, &stderr, regexp.MustCompile(`(mluvii → bot ConversationStarted) session=\d+ `))

	stream, err := http.Get(base + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Body.Close()
	cancel()
	select {
	case c := <-code:
		if c != 0 {
			t.Errorf("run = %d; stderr:\n%s", c, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after its context ended")
	}
	if _, err := io.ReadAll(stream.Body); err != nil {
		t.Errorf("event stream: %v", err)
	}
	if !strings.Contains(stderr.String(), "shutting down") {
		t.Errorf("stderr:\n%s", stderr.String())
	}
}

func TestRunBadCommandLine(t *testing.T) {
	dir := t.TempDir()
	badWorld := filepath.Join(dir, "world.yaml")
	if err := os.WriteFile(badWorld, []byte("groups:\n  - {id: 1, stat: ONLINE}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"--help"}, 0, "Usage: mluvii-mock"},
		{[]string{"--bogus"}, 2, "unknown flag"},
		{[]string{"extra"}, 2, "unexpected arguments"},
		{[]string{"--channel", "Telegram"}, 2, "WebChat"},
		{[]string{"--channel", "whatsap"}, 2, `--channel "whatsap" (did you mean "WhatsApp"?)`},
		{[]string{"--callback", "ftp://x"}, 2, "absolute http(s) URL"},
		{[]string{"--callback", "/relative"}, 2, "absolute http(s) URL"},
		{[]string{"--chatbot-id", "0"}, 2, "positive"},
		{[]string{"--world", filepath.Join(dir, "missing.yaml")}, 1, "missing.yaml"},
		{[]string{"--world", badWorld}, 1, `line 2: unknown key "stat" (did you mean "state"?)`},
		{[]string{"--addr", "127.0.0.1:99999"}, 1, "invalid port"},
		{[]string{"--allow-host", "http://mock"}, 2, "want a host name"},
		{[]string{"--allow-host", "http:mock"}, 2, "want a host name"},
		{[]string{"--allow-host", "*"}, 2, "want a host name"},
		{[]string{"--allow-host", "*.example"}, 2, "want a host name"},
		{[]string{"--allow-host", "mock,,other"}, 2, "want a host name"},
		{[]string{"--retention", "-1s"}, 2, "--retention -1s: want 0"},
		{[]string{"--keep-ended", "-5"}, 2, "--keep-ended -5: want -1 (all) or more"},
		{[]string{"--keep-entries", "-2"}, 2, "--keep-entries -2"},
		{[]string{"--max-open", "-1"}, 2, "--max-open -1: want 0 (no bound) or more"},
		{[]string{"--allow-host", "mock/x"}, 2, "want a host name"},
		{[]string{"--allow-host", "user@mock"}, 2, "want a host name"},
	} {
		var stderr bytes.Buffer
		got := run(context.Background(), tt.args, io.Discard, &stderr)
		if got != tt.code || !strings.Contains(stderr.String(), tt.msg) {
			t.Errorf("run %q = %d, stderr %q; want %d and %q", tt.args, got, stderr.String(), tt.code, tt.msg)
		}
	}
}

func TestBaseURL(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1:0": "http://127.0.0.1:",
		"0.0.0.0:0":   "http://127.0.0.1:",
		"[::1]:0":     "http://[::1]:",
	} {
		ln, err := listenTCP(addr)
		if err != nil {
			t.Logf("%s: %v (skipped)", addr, err)
			continue
		}
		got := baseURL(ln.Addr())
		ln.Close()
		if !strings.HasPrefix(got, want) {
			t.Errorf("baseURL(%s) = %q, want prefix %q", addr, got, want)
		}
	}
}

// TestLogOrder: the stderr log keeps transcript order even when a later
// activity completes before an earlier delivery does.
func TestLogOrder(t *testing.T) {
	m := startMock(t, config{})
	release := make(chan struct{})
	srv := startHTTP(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if strings.Contains(string(body), `"text":"slow"`) {
			<-release
		}
	}))
	m.fake.SetCallbackURL(srv)
	var log syncBuffer
	go logTranscript(m, &lockedWriter{w: &log})
	a := start(t, m, mluvii.ChannelWebChat)
	slow := make(chan struct{})
	go func() {
		defer close(slow)
		resp, err := http.Post(m.cfg.baseURL+"/chat/text", "application/json", strings.NewReader(fmt.Sprintf(`{"sessionId":%d,"text":"slow"}`, a)))
		if err == nil {
			resp.Body.Close()
		}
	}()
	waitFor(t, &log, regexp.MustCompile(`(#1) `))
	for len(m.fake.Transcript()) < 2 {
		time.Sleep(time.Millisecond)
	}
	start(t, m, mluvii.ChannelWhatsApp) // #3, complete while #2 is pending
	time.Sleep(50 * time.Millisecond)
	if strings.Contains(log.String(), "#3 ") {
		t.Fatalf("#3 logged before #2 completed:\n%s", log.String())
	}
	close(release)
	<-slow
	waitFor(t, &log, regexp.MustCompile(`(#3) `))
	if got := regexp.MustCompile(`(?m)^#(\d+) `).FindAllString(log.String(), -1); strings.Join(got, "") != "#1 #2 #3 " {
		t.Errorf("logged in the order %q:\n%s", got, log.String())
	}
}

// --allow-host names, repeated or comma-separated, with or without a port,
// are served on a loopback address; other names are still refused.
func TestRunAllowHost(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	code := make(chan int, 1)
	go func() {
		code <- run(ctx, []string{"--addr", "127.0.0.1:0", "-q", "--allow-host", "mock,host.docker.internal",
			"--allow-host", "Other.Example:8765", "--allow-host", "[fd00::1]"}, &stdout, &stderr)
	}()
	defer func() {
		cancel()
		if c := <-code; c != 0 {
			t.Errorf("run = %d; stderr:\n%s", c, stderr.String())
		}
	}()
	base := waitFor(t, &stdout, regexp.MustCompile(`chat page +(http://127\.0\.0\.1:\d+)/`))
	_, port, _ := strings.Cut(strings.TrimPrefix(base, "http://"), ":")
	for host, want := range map[string]int{
		"mock:" + port: 200, "host.docker.internal": 200, "other.example:" + port: 200, "[fd00::1]:" + port: 200,
		"127.0.0.1:" + port: 200, "evil.example:" + port: 403, "mock.evil.example": 403, "[fd00::2]:" + port: 403,
	} {
		hc := &http.Client{Transport: hostTransport(host)}
		resp, err := hc.PostForm(base+"/login/connect/token", url.Values{"grant_type": {"client_credentials"},
			"client_id": {defaultClientID}, "client_secret": {defaultClientSecret}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("token with Host %q: %d, want %d", host, resp.StatusCode, want)
		}
	}
	if !strings.Contains(stderr.String(), `refused a request for host "evil.example:`+port+`"`) {
		t.Errorf("refusal not logged:\n%s", stderr.String())
	}
}
