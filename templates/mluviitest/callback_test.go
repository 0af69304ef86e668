package mluviitest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	mluvii "github.com/mluviigen/mluviigen/templates/runtime"
)

// recorder is a callback that records what mluvii POSTs, exactly.
type recorder struct {
	mu   sync.Mutex
	reqs []*http.Request
	body []string
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.reqs = append(r.reqs, req)
	r.body = append(r.body, string(b))
	r.mu.Unlock()
}

func TestCallbackURLEndpoint(t *testing.T) {
	t.Parallel()
	srv := NewServer(t)
	rec := &recorder{}
	cb := httptest.NewServer(rec)
	t.Cleanup(cb.Close)
	u, _ := url.Parse(cb.URL)
	u.User = url.UserPassword("mluvii", "p@ss")
	callback := u.String() + "/hook?access_token=cb-7Qm2xV9&x=a%2Bb&x=c%20d"
	req, _ := http.NewRequest("PUT", srv.URL+"/api/v1/Chatbot/2005?callbackUrl="+url.QueryEscape(callback), nil)
	req.Header.Set("Authorization", "Bearer "+srv.Token())
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("PUT callbackUrl: %v %v", resp.Status, err)
	}
	if srv.CallbackURL() != callback {
		t.Errorf("CallbackURL = %q, want %q", srv.CallbackURL(), callback)
	}
	if _, err := srv.StartConversation(mluvii.ChannelWebChat); err != nil {
		t.Fatal(err)
	}
	if err := srv.Ping(); err != nil {
		t.Fatal(err)
	}
	got := rec.reqs[0]
	if got.URL.RawQuery != "access_token=cb-7Qm2xV9&x=a%2Bb&x=c%20d" || got.URL.Path != "/hook" {
		t.Errorf("callback got %s?%s", got.URL.Path, got.URL.RawQuery)
	}
	if user, pass, ok := got.BasicAuth(); !ok || user != "mluvii" || pass != "p@ss" {
		t.Errorf("userinfo did not become Basic auth: %q", got.Header.Get("Authorization"))
	}
	if ct := got.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q", ct)
	}
	var started map[string]any
	_ = json.Unmarshal([]byte(rec.body[0]), &started)
	if started["activity"] != "ConversationStarted" || started["source"] != "Default" || started["language"] != "cs" {
		t.Errorf("ConversationStarted = %s", rec.body[0])
	}
	if rec.body[1] != `{"Activity":"Ping"}` {
		t.Errorf("Ping body = %s, want {\"Activity\":\"Ping\"}", rec.body[1])
	}

	for _, bad := range []string{"", "not a url", "ftp://x/y", "/relative"} {
		req, _ := http.NewRequest("PUT", srv.URL+"/api/v1/Chatbot/2005?callbackUrl="+url.QueryEscape(bad), nil)
		req.Header.Set("Authorization", "Bearer "+srv.Token())
		if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 400 {
			t.Errorf("callbackUrl %q: %v %v", bad, resp.Status, err)
		}
	}
}

func TestNoCallbackURL(t *testing.T) {
	t.Parallel()
	srv := NewServer(t)
	sess, err := srv.StartConversation(mluvii.ChannelWebChat)
	if err == nil || !strings.Contains(err.Error(), "no callback URL") || sess == nil {
		t.Errorf("StartConversation without callback: %v", err)
	}
}

func TestBotAnswersNon200(t *testing.T) {
	t.Parallel()
	srv := NewServer(t)
	bot := newTestBot(t, srv, nil)
	bot.setStatus(http.StatusAccepted)
	_, err := srv.StartConversation(mluvii.ChannelWebChat)
	if err == nil || !strings.Contains(err.Error(), "the bot answered 202 Accepted to ConversationStarted; mluvii requires 200 OK") {
		t.Errorf("202: %v", err)
	}
}

// TestCallbackErrorsHideTheSecret: a failing callback's error, which reaches
// the transcript, logs and mluvii-mock's page, does not carry the query
// values of the callback URL (bots keep their secret there).
func TestCallbackErrorsHideTheSecret(t *testing.T) {
	t.Parallel()
	srv := NewServer(t, WithCallbackURL("http://127.0.0.1:1/hook?secret=topsecret-4711&x=1"))
	_, err := srv.StartConversation(mluvii.ChannelWebChat)
	if err == nil {
		t.Fatal("a callback to a closed port succeeded")
	}
	texts := []string{err.Error()}
	for _, e := range srv.Transcript() {
		texts = append(texts, e.Err)
	}
	for _, s := range texts {
		if strings.Contains(s, "topsecret-4711") {
			t.Errorf("the secret leaks: %s", s)
		}
	}
	if !strings.Contains(err.Error(), "secret=") {
		t.Errorf("the error no longer names the URL: %v", err)
	}
}
