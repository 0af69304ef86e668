package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mluviigen/mluviigen/generated/mluvii"
)

func listen(t testing.TB) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// startMock serves a mock on a loopback port, as run does, until the test ends.
func startMock(t testing.TB, cfg config) *mock {
	t.Helper()
	ln := listen(t)
	cfg.baseURL = "http://" + ln.Addr().String()
	if cfg.channel == "" {
		cfg.channel = mluvii.ChannelWebChat
	}
	if cfg.world.HeroCardFields == nil {
		cfg.world = defaultWorld()
	}
	if cfg.logf == nil {
		cfg.logf = t.Logf
	}
	m := newMock(cfg)
	hs := &http.Server{Handler: m}
	hs.RegisterOnShutdown(m.stop)
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := hs.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		m.Close()
	})
	return m
}

// startBot runs a bot on the generated Dispatcher and Client against m: it
// greets on ConversationStarted and hands every guest Text to onText.
func startBot(t testing.TB, m *mock, onText func(ctx context.Context, c *mluvii.Client, a *mluvii.Text) error) {
	t.Helper()
	d := mluvii.NewDispatcher(mluvii.WithCallbackSecret("bot-secret"))
	c := mluvii.NewClient(m.cfg.baseURL, m.cfg.chatbotID,
		mluvii.WithClientCredentials(m.cfg.clientID, m.cfg.clientSecret), mluvii.WithDispatcher(d))
	d.OnConversationStarted(func(ctx context.Context, a *mluvii.ConversationStarted) error {
		return c.SendText(ctx, a.SessionID, "Hi <strong>there</strong> <script>x()</script>")
	})
	if onText != nil {
		d.OnText(func(ctx context.Context, a *mluvii.Text) error { return onText(ctx, c, a) })
	}
	d.OnError(func(_ context.Context, err error, body []byte) { t.Logf("bot: %v (%s)", err, body) })
	ts := httptest.NewServer(d)
	t.Cleanup(func() {
		ts.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = d.Close(ctx)
	})
	m.fake.SetCallbackURL(ts.URL + "/mluvii?secret=bot-secret")
}

// post POSTs a JSON body to the mock's API and decodes the JSON answer.
func post(t testing.TB, m *mock, path string, body any) (int, map[string]any) {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(m.cfg.baseURL+path, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	return resp.StatusCode, decodeBody(t, resp.Body)
}

func decodeBody(t testing.TB, r io.Reader) map[string]any {
	t.Helper()
	var v map[string]any
	dec := json.NewDecoder(r)
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("answer is not a JSON object: %v", err)
	}
	return v
}

// start starts a conversation and returns its session id.
func start(t testing.TB, m *mock, ch mluvii.Channel) int64 {
	t.Helper()
	code, res := post(t, m, "/chat/start", map[string]any{"channel": ch})
	if code != http.StatusOK {
		t.Fatalf("start: %d %v", code, res)
	}
	id, err := res["sessionId"].(json.Number).Int64()
	if err != nil {
		t.Fatalf("start: sessionId %v", res["sessionId"])
	}
	return id
}

// sseEvent is one server-sent event.
type sseEvent struct {
	id, name, data string
	used           bool // returned by entry or state
}

// events is a client of GET /events.
type events struct {
	t    testing.TB
	ch   chan sseEvent
	done chan struct{} // closed when the stream ends
	got  []*sseEvent   // every event received so far
}

func openEvents(t testing.TB, m *mock, query string, header http.Header) *events {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, m.cfg.baseURL+"/events"+query, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		cancel()
		t.Fatalf("GET /events%s: %s %s", query, resp.Status, resp.Header.Get("Content-Type"))
	}
	e := &events{t: t, ch: make(chan sseEvent, 1024), done: make(chan struct{})}
	go func() {
		defer close(e.done)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<20)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.name != "" {
					e.ch <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, "id: "):
				ev.id = line[4:]
			case strings.HasPrefix(line, "event: "):
				ev.name = line[7:]
			case strings.HasPrefix(line, "data: "):
				ev.data = line[6:]
			}
		}
	}()
	t.Cleanup(func() { cancel(); <-e.done })
	return e
}

// next returns the earliest event named name not returned before that
// match accepts, waiting up to 5 s for it.
func (e *events) next(name string, match func(data string) bool) string {
	e.t.Helper()
	timeout := time.After(5 * time.Second)
	for i := 0; ; i++ {
		for ; i < len(e.got); i++ {
			if ev := e.got[i]; !ev.used && ev.name == name && match(ev.data) {
				ev.used = true
				return ev.data
			}
		}
		select {
		case ev := <-e.ch:
			e.got = append(e.got, &ev)
			i-- // look at it
		case <-timeout:
			e.t.Fatalf("no matching %s event within 5 s", name)
			return ""
		}
	}
}

// entry returns the earliest entry event not returned before that match accepts.
func (e *events) entry(match func(entryView) bool) entryView {
	e.t.Helper()
	var v entryView
	e.next("entry", func(data string) bool {
		v = entryView{}
		if err := json.Unmarshal([]byte(data), &v); err != nil {
			e.t.Fatalf("entry event %q: %v", data, err)
		}
		return match(v)
	})
	return v
}

// state returns the earliest state event not returned before that match accepts.
func (e *events) state(match func(stateView) bool) stateView {
	e.t.Helper()
	var v stateView
	e.next("state", func(data string) bool {
		v = stateView{}
		if err := json.Unmarshal([]byte(data), &v); err != nil {
			e.t.Fatalf("state event %q: %v", data, err)
		}
		return match(v)
	})
	return v
}

// named matches a settled entry (not a pending delivery) by direction and name.
func named(dir, name string) func(entryView) bool {
	return func(v entryView) bool { return v.Dir == dir && v.Name == name && !v.Pending }
}

func listenTCP(addr string) (net.Listener, error) { return net.Listen("tcp", addr) }
