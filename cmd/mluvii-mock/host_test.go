package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mluviigen/mluviigen/generated/mluvii"
)

// hostTransport sends every request with the Host header it names, as a
// browser does for a page whose domain an attacker rebound to 127.0.0.1.
type hostTransport string

func (h hostTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Host = string(h)
	return http.DefaultTransport.RoundTrip(r)
}

// endpointCall is one request to one of the mock's endpoints; want is its
// status when the host is served.
type endpointCall struct {
	method, path, ctype, body string
	bearer                    bool
	want                      int
}

// everyEndpoint is a request to every endpoint the mock serves, the fake's
// and the page's, plus paths nothing serves; the end of the session last.
func everyEndpoint(m *mock, session int64) []endpointCall {
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {m.cfg.clientID}, "client_secret": {m.cfg.clientSecret}}
	js := func(format string) string { return fmt.Sprintf(format, session) }
	bot := fmt.Sprint(m.cfg.chatbotID)
	const ctJSON = "application/json"
	return []endpointCall{
		// mluvii's endpoints, served by the fake
		{method: "POST", path: "/login/connect/token", ctype: "application/x-www-form-urlencoded", body: form.Encode(), want: 200},
		{method: "POST", path: "/api/v1/Chatbot/" + bot + "/activity", ctype: ctJSON, bearer: true,
			body: js(`{"activity":"Text","sessionId":%d,"text":"from the bot"}`), want: 200},
		{method: "PUT", path: "/api/v1/Chatbot/" + bot + "?callbackUrl=" + url.QueryEscape("http://attacker.example/steal"), bearer: true, want: 200},
		{method: "POST", path: "/api/v1/Chatbot/" + bot + "/unknown", ctype: ctJSON, body: "{}", bearer: true, want: 404},
		{method: "GET", path: "/login/other", want: 404},
		// the page and its API
		{method: "GET", path: "/", want: 200},
		{method: "GET", path: "/static/app.js", want: 200},
		{method: "GET", path: "/chat/info", want: 200},
		{method: "GET", path: js("/chat/session?id=%d"), want: 200},
		{method: "GET", path: js("/chat/recording?session=%d"), want: 200},
		{method: "GET", path: js("/events?session=%d"), want: 200},
		{method: "POST", path: "/chat/start", ctype: ctJSON, body: `{}`, want: 200},
		{method: "POST", path: "/chat/text", ctype: ctJSON, body: js(`{"sessionId":%d,"text":"hi"}`), want: 200},
		{method: "POST", path: "/chat/click", ctype: ctJSON, body: js(`{"sessionId":%d,"value":"yes"}`), want: 200},
		{method: "POST", path: "/chat/submit", ctype: ctJSON, body: js(`{"sessionId":%d,"params":{}}`), want: 200},
		{method: "POST", path: "/chat/upload", ctype: ctJSON, body: js(`{"sessionId":%d,"fileName":"a.jpg"}`), want: 409}, // uploads not enabled
		{method: "POST", path: "/chat/location", ctype: ctJSON, body: js(`{"sessionId":%d,"latitude":50,"longitude":14}`), want: 200},
		{method: "GET", path: "/nothing/here", want: 404},
		{method: "GET", path: "/Storage/Get?source=guestUpload&name=a.jpg", want: 404},
		{method: "POST", path: "/chat/end", ctype: ctJSON, body: js(`{"sessionId":%d}`), want: 200},
	}
}

// do sends c with Host host and returns the status and body.
func (c endpointCall) do(t *testing.T, m *mock, host, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(c.method, m.cfg.baseURL+c.path, strings.NewReader(c.body))
	if err != nil {
		t.Fatal(err)
	}
	if c.ctype != "" {
		req.Header.Set("Content-Type", c.ctype)
	}
	if c.bearer {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	hc := &http.Client{Transport: hostTransport(host), Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s with Host %q: %v", c.method, c.path, host, err)
	}
	defer resp.Body.Close()
	var body []byte
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		body, _ = bufio.NewReader(resp.Body).ReadBytes('\n') // the stream does not end
	} else {
		body, _ = io.ReadAll(resp.Body)
	}
	return resp.StatusCode, string(body)
}

// sideEffects is everything a request could change in the mock.
type sideEffects struct {
	tokens, entries, sessions int
	callback                  string
	ended                     bool
}

func observe(m *mock, session int64) sideEffects {
	return sideEffects{tokens: m.fake.TokensIssued(), entries: len(m.fake.Transcript()),
		sessions: len(m.fake.Sessions()), callback: m.fake.CallbackURL(), ended: m.fake.Session(session).State().Ended}
}

// DNS rebinding: a web page whose domain resolves to 127.0.0.1 reaches a mock
// on loopback with its own name as Host. On loopback every endpoint, the
// fake's as well as the page's, refuses such a request before doing
// anything: no token, no activity, no new callback URL (which would send the
// guest's messages to the attacker), no guest action.
func TestForeignHostRefusedEverywhere(t *testing.T) {
	var logged syncBuffer
	m := startMock(t, config{localOnly: true, logf: func(f string, a ...any) { fmt.Fprintf(&logged, f+"\n", a...) }})
	m.fake.SetCallbackURL(startHTTP(t, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})))
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(m.cfg.baseURL, "http://"))
	session := start(t, m, mluvii.ChannelWebChat)
	token := m.fake.Token()
	for _, host := range []string{
		"evil.example", "evil.example:" + port, "EVIL.example.:" + port, "127.0.0.1.evil.example:" + port,
		"localhost.evil.example", "mock:" + port, "10.0.0.1:" + port, "[::2]:" + port, "0.0.0.0:" + port,
	} {
		for _, c := range everyEndpoint(m, session) {
			before := observe(m, session)
			code, body := c.do(t, m, host, token)
			if code != http.StatusForbidden || !strings.Contains(body, "loopback") || !strings.Contains(body, "--allow-host") {
				t.Errorf("%s %s with Host %q: %d %q, want 403 naming loopback and --allow-host", c.method, c.path, host, code, body)
			}
			if after := observe(m, session); after != before {
				t.Errorf("%s %s with Host %q changed the mock: %+v, was %+v", c.method, c.path, host, after, before)
			}
		}
	}
	// Each refused host is logged once, however often it comes back.
	if n := strings.Count(logged.String(), `refused a request for host "evil.example:`+port+`"`); n != 1 {
		t.Errorf("evil.example:%s logged %d times, want once:\n%s", port, n, logged.String())
	}
}

// Loopback hosts, with or without a port, and the names given with
// --allow-host are served by every endpoint.
func TestLoopbackAndAllowedHostsServed(t *testing.T) {
	m := startMock(t, config{localOnly: true, allowHosts: []string{"mock", "Host.Docker.Internal."}})
	callback := startHTTP(t, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	m.fake.SetCallbackURL(callback)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(m.cfg.baseURL, "http://"))
	for _, host := range []string{
		"127.0.0.1:" + port, "localhost:" + port, "localhost", "LOCALHOST.:" + port, "app.localhost:" + port,
		"127.0.0.2", "[::1]:" + port, "[::1]", "mock:" + port, "MOCK", "host.docker.internal:" + port,
	} {
		session := start(t, m, mluvii.ChannelWebChat)
		token := m.fake.Token()
		for _, c := range everyEndpoint(m, session) {
			before := observe(m, session)
			code, body := c.do(t, m, host, token)
			if code != c.want {
				t.Errorf("%s %s with Host %q: %d %q, want %d", c.method, c.path, host, code, body, c.want)
			}
			after := observe(m, session)
			switch {
			case strings.HasSuffix(c.path, "/token") && after.tokens != before.tokens+1:
				t.Errorf("Host %q: token endpoint issued %d tokens", host, after.tokens-before.tokens)
			case strings.HasSuffix(c.path, "/activity") && after.entries == before.entries:
				t.Errorf("Host %q: activity not in the transcript", host)
			case strings.Contains(c.path, "callbackUrl=") && after.callback != "http://attacker.example/steal":
				t.Errorf("Host %q: callback URL %q", host, after.callback)
			}
			m.fake.SetCallbackURL(callback)
		}
	}
}

// A mock listening on a non-loopback address (0.0.0.0, a LAN address) was
// put there to be reached by other names: it serves every host, page and
// mluvii endpoints alike, as before.
func TestNonLoopbackListenerServesAnyHost(t *testing.T) {
	m := startMock(t, config{localOnly: false})
	callback := startHTTP(t, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	m.fake.SetCallbackURL(callback)
	session := start(t, m, mluvii.ChannelWebChat)
	token := m.fake.Token()
	for _, c := range everyEndpoint(m, session) {
		if code, body := c.do(t, m, "evil.example", token); code != c.want {
			t.Errorf("%s %s with Host evil.example: %d %q, want %d", c.method, c.path, code, body, c.want)
		}
		m.fake.SetCallbackURL(callback)
	}
}

// A refused request is answered without waiting for its body, and the
// connection is closed: a body that never comes holds nothing open.
func TestForeignHostRefusedWithoutReadingTheBody(t *testing.T) {
	m := startMock(t, config{localOnly: true})
	for _, path := range []string{"/login/connect/token", "/api/v1/Chatbot/2005/activity", "/chat/text"} {
		resp, body, closed := sendHead(t, m, "POST", path, map[string]string{"Host": "evil.example", "Content-Type": "application/json"}, 2*time.Second)
		switch {
		case resp == nil:
			t.Errorf("POST %s: no answer within 2 s while the body does not come", path)
		case resp.StatusCode != http.StatusForbidden || !closed:
			t.Errorf("POST %s: %d %q, closed %v; want 403 and the connection closed", path, resp.StatusCode, body, closed)
		}
	}
}

// The Host header is the client's to choose: the log of refused hosts is
// bounded, and says when it stops.
func TestRefusedHostsLogBounded(t *testing.T) {
	var logged syncBuffer
	m := startMock(t, config{localOnly: true, logf: func(f string, a ...any) { fmt.Fprintf(&logged, f+"\n", a...) }})
	for i := range 3 * maxLoggedHosts {
		req := httptest.NewRequest("GET", "/chat/info", nil)
		req.Host = fmt.Sprintf("h%d.example", i%(2*maxLoggedHosts))
		rec := httptest.NewRecorder()
		m.ServeHTTP(rec, req)
		if rec.Code != http.StatusForbidden {
			t.Fatalf("Host %s: %d", req.Host, rec.Code)
		}
	}
	if n := strings.Count(logged.String(), "refused a request for host"); n != maxLoggedHosts {
		t.Errorf("%d refused hosts logged, want %d", n, maxLoggedHosts)
	}
	if n := strings.Count(logged.String(), "no more are logged"); n != 1 {
		t.Errorf("the end of the log said %d times:\n%s", n, logged.String())
	}
	if len(m.refused) > maxLoggedHosts {
		t.Errorf("%d hosts remembered", len(m.refused))
	}
}
