package mluviitest

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzActivityEndpoint feeds arbitrary bodies to the activity endpoint: it
// must answer (200 or 4xx with a message), never panic, and keep working.
func FuzzActivityEndpoint(f *testing.F) {
	files, _ := filepath.Glob("../testdata/vectors/*.json")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"activity":"SetCallParams","sessionId":4815162342,"callParams":{"a":{"b":[1,{"c":null}]}}}`))
	f.Add([]byte(`{"activity":"RichCardList","sessionId":"4815162342","items":[{"contentType":1,"content":{}}],"layout":1}`))
	srv := newServer(nil, WithCallbackURL("http://127.0.0.1:1/unreachable"))
	defer srv.Close()
	h := srv.routes()
	token := srv.Token()
	srv.sessions[4815162342] = &sessionState{id: 4815162342, channel: "WebChat", source: "Default",
		params: map[string]string{}, notify: make(chan struct{}), consumed: map[int]bool{}}
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest("POST", "/api/v1/Chatbot/2005/activity", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 200 && (w.Code != 400 || w.Body.Len() == 0) {
			t.Fatalf("status %d %q for %q", w.Code, w.Body.String(), body)
		}
		srv.mu.Lock()
		srv.sessions[4815162342].ended = false // keep the session usable
		srv.mu.Unlock()
	})
}

func TestContentTypeWarning(t *testing.T) {
	t.Parallel()
	srv, bot, sess := start(t)
	token, _ := bot.getToken()
	req, _ := http.NewRequest("POST", srv.URL+"/api/v1/Chatbot/2005/activity",
		strings.NewReader(body(sess, `{"activity":"Text","sessionId":SID,"text":"hi"}`)))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%v %v", resp.Status, err)
	}
	if w := strings.Join(srv.Warnings(), "\n"); !strings.Contains(w, `Content-Type is ""; mluvii's API expects application/json`) {
		t.Errorf("warnings: %s", w)
	}
}
