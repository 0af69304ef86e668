package mluviitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	mluvii "github.com/mluviigen/mluviigen/templates/runtime"
)

// testBot is a small bot on raw HTTP and the generated types: its webhook
// acks at once and handles each activity on its own goroutine, as the
// dispatcher will.
type testBot struct {
	t      testing.TB
	srv    *Server
	ts     *httptest.Server
	client *http.Client
	handle func(b *testBot, a mluvii.Activity)
	status int // what the webhook answers (default 200)

	mu    sync.Mutex
	token string
	got   []mluvii.Activity
	wg    sync.WaitGroup
}

const botSecret = "s3cr3t/+&="

func newTestBot(t testing.TB, srv *Server, handle func(b *testBot, a mluvii.Activity)) *testBot {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = 0, 1024
	b := &testBot{t: t, srv: srv, handle: handle, client: &http.Client{Transport: tr}, status: 200}
	b.ts = httptest.NewServer(http.HandlerFunc(b.webhook))
	t.Cleanup(func() {
		b.ts.Close()
		b.wg.Wait()
		tr.CloseIdleConnections()
	})
	srv.SetCallbackURL(b.ts.URL + "/mluvii?secret=" + url.QueryEscape(botSecret) + "&x=a%20b")
	return b
}

func (b *testBot) webhook(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("secret") != botSecret {
		http.Error(w, "bad secret", http.StatusUnauthorized)
		return
	}
	body, _ := io.ReadAll(r.Body)
	a, err := mluvii.Decode(body)
	if err != nil {
		b.t.Errorf("bot: decode %s: %v", body, err)
		w.WriteHeader(http.StatusOK)
		return
	}
	b.mu.Lock()
	b.got = append(b.got, a)
	status := b.status
	b.mu.Unlock()
	w.WriteHeader(status)
	if b.handle != nil && a.ActivityName() != "Ping" {
		b.wg.Add(1)
		go func() { defer b.wg.Done(); b.handle(b, a) }()
	}
}

func (b *testBot) setStatus(code int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.status = code
}

func (b *testBot) received() []mluvii.Activity {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]mluvii.Activity(nil), b.got...)
}

// getToken fetches a token with client credentials, once.
func (b *testBot) getToken() (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.token != "" {
		return b.token, nil
	}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {b.srv.ClientID}, "client_secret": {b.srv.ClientSecret}}
	resp, err := b.client.PostForm(b.srv.URL+"/login/connect/token", form)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if resp.StatusCode != 200 {
		body, _ := io.ReadAll(resp.Body)
		return "", fmt.Errorf("token: %s %s", resp.Status, body)
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil {
		return "", err
	}
	b.token = tok.AccessToken
	return b.token, nil
}

// send POSTs an activity: fields plus activity and sessionId.
func (b *testBot) send(sessionID int64, activity string, fields map[string]any) error {
	m := map[string]any{"activity": activity, "sessionId": sessionID}
	for k, v := range fields {
		m[k] = v
	}
	body, _ := json.Marshal(m)
	_, err := b.post(body)
	return err
}

// sendActivity POSTs a typed activity of the generated package.
func (b *testBot) sendActivity(a mluvii.Activity) error {
	body, err := a.MarshalJSON()
	if err != nil {
		return err
	}
	_, err = b.post(body)
	return err
}

// post POSTs a raw body; an error carries the status and mluvii's message.
func (b *testBot) post(body []byte) (int, error) {
	token, err := b.getToken()
	if err != nil {
		return 0, err
	}
	req, _ := http.NewRequest("POST", b.srv.URL+"/api/v1/Chatbot/"+strconv.FormatInt(b.srv.ChatbotID, 10)+"/activity", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return resp.StatusCode, fmt.Errorf("%s: %s", resp.Status, bytes.TrimSpace(msg))
	}
	return 200, nil
}

// mustPost posts and returns status and message without failing.
func (b *testBot) mustPost(body string) (int, string) {
	code, err := b.post([]byte(body))
	if err != nil {
		return code, err.Error()
	}
	return code, ""
}

// wrapSlow makes a webhook take 3 s on the fake clock while *slow is set
// (only the test goroutine flips it, between deliveries).
func wrapSlow(h http.Handler, clock *FakeClock, slow *bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if *slow {
			clock.Advance(3 * time.Second)
		}
		h.ServeHTTP(w, r)
	})
}
