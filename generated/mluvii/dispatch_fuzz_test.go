package mluvii

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"testing"
)

// FuzzServeHTTP feeds arbitrary bodies to the webhook: an authenticated body
// within the limit is always answered 200 (mluvii disables bots that answer
// otherwise), nothing panics, and every queued event is handled.
func FuzzServeHTTP(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join("testdata", "vectors", "*"))
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"Activity":"Ping"}`))
	f.Add([]byte(`{"activity":"Text","sessionId":"1","text":null,"activity":"GetCallParamsResponse"}`))
	d := NewDispatcher(WithDispatchLogger(nil), WithCallbackSecret(hookSecret), WithDedupe(1<<62))
	noop := func(context.Context, Activity) error { return nil }
	d.OnActivity(noop)
	d.OnUnknown(func(context.Context, *Unknown) error { return nil })
	d.OnText(func(_ context.Context, a *Text) error {
		if a.Text == "panic" {
			panic("fuzz")
		}
		return nil
	})
	d.OnError(func(context.Context, error, []byte) {})
	f.Cleanup(func() {
		if err := d.Close(context.Background()); err != nil {
			f.Error(err)
		}
		if st := d.Stats(); st.Enqueued != st.Handled {
			f.Errorf("stats %+v: queued events lost", st)
		}
	})
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "/mluvii?secret="+url.QueryEscape(hookSecret), bytes.NewReader(body))
		w := httptest.NewRecorder()
		d.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			t.Fatalf("status %d for %q", w.Code, body)
		}
		r = httptest.NewRequest(http.MethodPost, "/mluvii?secret=x", bytes.NewReader(body))
		w = httptest.NewRecorder()
		d.ServeHTTP(w, r)
		if w.Code != http.StatusUnauthorized {
			t.Fatalf("unauthenticated: status %d", w.Code)
		}
	})
}
