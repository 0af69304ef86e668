package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mluviigen/mluviigen/generated/mluvii"
)

// sendHead sends a request's head (Host 127.0.0.1 unless header has one) and
// the start of a body of 1000 bytes that never comes, and returns the answer (nil when there was none within
// wait) and whether the mock then closed the connection.
func sendHead(t *testing.T, m *mock, method, path string, header map[string]string, wait time.Duration) (*http.Response, string, bool) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(m.cfg.baseURL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nContent-Length: 1000\r\n", method, path)
	if header["Host"] == "" {
		b.WriteString("Host: 127.0.0.1\r\n")
	}
	for k, v := range header {
		fmt.Fprintf(&b, "%s: %s\r\n", k, v)
	}
	b.WriteString("\r\n{")
	if _, err := io.WriteString(conn, b.String()); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(wait))
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return nil, "", false
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	_, err = br.ReadByte()
	return resp, string(body), err == io.EOF
}

// An answer that does not need the body (a wrong token, a wrong content
// type, a path nothing serves) is sent at once and the connection closed,
// whether or not the body ever comes: before, the server waited to drain the
// body first, so such a request held its connection until the client gave up.
func TestAnswerWithoutBodySentAtOnce(t *testing.T) {
	m := startMock(t, config{localOnly: true})
	bot := fmt.Sprint(m.cfg.chatbotID)
	for _, c := range []struct {
		method, path string
		header       map[string]string
		want         int
	}{
		{"POST", "/api/v1/Chatbot/" + bot + "/activity", map[string]string{"Authorization": "Bearer wrong", "Content-Type": "application/json"}, 401},
		{"POST", "/api/v1/Chatbot/" + bot + "/activity", map[string]string{"Content-Type": "application/json"}, 401},
		{"POST", "/api/v1/Chatbot/1/activity", map[string]string{"Authorization": "Bearer " + m.fake.Token()}, 404},
		{"PUT", "/api/v1/Chatbot/" + bot + "?callbackUrl=http://x", map[string]string{"Authorization": "Bearer wrong"}, 401},
		{"POST", "/chat/text", map[string]string{"Content-Type": "text/plain"}, 415},
		{"POST", "/nothing/here", nil, 404},
		{"GET", "/chat/info", nil, 200},
	} {
		resp, body, closed := sendHead(t, m, c.method, c.path, c.header, 2*time.Second)
		switch {
		case resp == nil:
			t.Errorf("%s %s: no answer within 2 s while the body does not come", c.method, c.path)
		case resp.StatusCode != c.want || !closed:
			t.Errorf("%s %s: %d %q, closed %v; want %d and the connection closed", c.method, c.path, resp.StatusCode, body, closed, c.want)
		}
	}
}

// A body that never comes, or comes too slowly, is given up on after
// bodyTimeout, with the right credentials too, and the connection closed:
// before, such a request held a connection and a goroutine for ever.
func TestBodyThatNeverComes(t *testing.T) {
	m := startMock(t, config{localOnly: true, bodyTimeout: 300 * time.Millisecond})
	json := map[string]string{"Content-Type": "application/json"}
	for _, c := range []struct {
		method, path string
		header       map[string]string
	}{
		{"POST", "/login/connect/token", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}},
		{"POST", "/api/v1/Chatbot/" + fmt.Sprint(m.cfg.chatbotID) + "/activity", map[string]string{"Authorization": "Bearer " + m.fake.Token(), "Content-Type": "application/json"}},
		{"POST", "/chat/text", json},
		{"POST", "/chat/start", json},
	} {
		start := time.Now()
		resp, body, closed := sendHead(t, m, c.method, c.path, c.header, 5*time.Second)
		switch {
		case resp == nil:
			t.Errorf("%s %s: no answer within 5 s while the body does not come", c.method, c.path)
		case resp.StatusCode < 400 || !closed:
			t.Errorf("%s %s: %d %q, closed %v; want an error and the connection closed", c.method, c.path, resp.StatusCode, body, closed)
		default:
			t.Logf("%s %s: %d %q after %v", c.method, c.path, resp.StatusCode, strings.TrimSpace(body), time.Since(start).Round(time.Millisecond))
		}
	}
}

// Once the body is in, the handler may take its time: the body's deadline
// does not cut a guest action waiting for the bot, nor the next request on
// the same connection.
func TestBodyTimeoutSparesSlowHandlers(t *testing.T) {
	m := startMock(t, config{localOnly: true, bodyTimeout: 200 * time.Millisecond})
	m.fake.SetCallbackURL(startHTTP(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(600 * time.Millisecond) // the bot acks each delivery slowly
	})))
	session := start(t, m, mluvii.ChannelWebChat)
	hc := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 1}}
	defer hc.CloseIdleConnections()
	for i := range 2 { // the same connection twice
		resp, err := hc.Post(m.cfg.baseURL+"/chat/text", "application/json",
			strings.NewReader(fmt.Sprintf(`{"sessionId":%d,"text":"hi %d"}`, session, i)))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("text %d: %d %s", i, resp.StatusCode, body)
		}
	}
}
