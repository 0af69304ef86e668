package mluvii

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// recordedLines parses a recording into "dir activity status" strings.
func recordedLines(t *testing.T, b []byte) []string {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) == 0 || lines[0] != `{"format":"mluvii-recording","version":1}` {
		t.Fatalf("no header:\n%s", b)
	}
	var out []string
	for _, l := range lines[1:] {
		var rl recLine
		if err := json.Unmarshal([]byte(l), &rl); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		out = append(out, rl.Dir+" "+rl.Activity+" "+itoaStatus(rl.Status))
	}
	return out
}

func itoaStatus(n int) string { b, _ := json.Marshal(n); return string(b) }

// A response that reaches the webhook before mluvii's HTTP answer to its
// request is still recorded after the request.
func TestRecorderOrdersRequestBeforeOvertakingResponse(t *testing.T) {
	var buf bytes.Buffer
	rec := NewRecorder(&buf, RecordLogger(nil))
	d := newTestDispatcher(t, WithCallbackSecret(hookSecret), WithDispatchRecorder(rec))
	s := newRawServer(t)
	s.answer = func(n int64, w http.ResponseWriter, r *http.Request) int {
		// mluvii answers at the webhook first, then to the request.
		req := httptest.NewRequest(http.MethodPost, "/mluvii?secret="+hookSecret,
			strings.NewReader(`{"activity":"GetCallParamsResponse","sessionId":42,"callParams":{"a":"b"}}`))
		rw := httptest.NewRecorder()
		d.ServeHTTP(rw, req)
		return http.StatusOK
	}
	c := s.client(WithDispatcher(d))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := c.GetCallParamsAndWait(ctx, 42)
	if err != nil || resp.CallParams["a"] != "b" {
		t.Fatalf("GetCallParamsAndWait = %+v, %v", resp, err)
	}
	// Unauthorized requests and pings are not recorded.
	if code := hookPost(d, hookText(42, "no secret")); code != http.StatusUnauthorized {
		t.Fatalf("without the secret: %d", code)
	}
	if err := rec.Close(ctx); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(recordedLines(t, buf.Bytes()), ", ")
	if want := "out GetCallParams 200, in GetCallParamsResponse 200"; got != want {
		t.Errorf("recorded %s, want %s", got, want)
	}
	if strings.Contains(buf.String(), hookSecret) || strings.Contains(buf.String(), "tok-") {
		t.Errorf("a secret in the recording:\n%s", buf.String())
	}
}

// A failed send is recorded with mluvii's status and the error.
func TestRecorderRecordsFailedSends(t *testing.T) {
	var buf bytes.Buffer
	rec := NewRecorder(&buf)
	s := newRawServer(t)
	s.answer = func(int64, http.ResponseWriter, *http.Request) int { return http.StatusBadRequest }
	c := s.client(WithClientRecorder(rec))
	if err := c.SendText(context.Background(), 7, "hi"); err == nil {
		t.Fatal("no error")
	}
	_ = rec.Close(context.Background())
	if got := recordedLines(t, buf.Bytes()); len(got) != 1 || got[0] != "out Text 400" || !strings.Contains(buf.String(), `"error":"mluvii: Text: HTTP 400`) {
		t.Errorf("recorded %v:\n%s", got, buf.String())
	}
}

// blockingWriter blocks every Write until released.
type blockingWriter struct {
	release chan struct{}
	mu      sync.Mutex
	buf     bytes.Buffer
}

func (w *blockingWriter) Write(p []byte) (int, error) {
	<-w.release
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

// A writer that hangs never holds up the webhook: lines beyond the buffer
// are dropped and counted.
func TestRecorderNeverBlocksTheBot(t *testing.T) {
	w := &blockingWriter{release: make(chan struct{})}
	rec := NewRecorder(w, RecordBufferBytes(2000), RecordLogger(nil))
	d := newTestDispatcher(t, WithDispatchRecorder(rec))
	d.OnText(func(context.Context, *Text) error { return nil })
	began := time.Now()
	for i := range 200 {
		if code := hookPost(d, hookText(int64(1+i%5), "hello")); code != http.StatusOK {
			t.Fatalf("POST %d: %d", i, code)
		}
	}
	if took := time.Since(began); took > 2*time.Second {
		t.Errorf("200 POSTs took %v with a hung recorder", took)
	}
	st := rec.Stats()
	if st.Overflow == 0 || st.Sessions != 5 {
		t.Errorf("stats %+v: want lines dropped, 5 sessions", st)
	}
	close(w.release)
	if err := rec.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	st = rec.Stats()
	if st.Written+st.Overflow != 200 {
		t.Errorf("stats %+v: written + dropped != 200", st)
	}
	if n := uint64(strings.Count(w.buf.String(), "\n")); n != st.Written+1 {
		t.Errorf("%d lines in the file, %d written", n, st.Written)
	}
}

func TestRecordRedactPaths(t *testing.T) {
	body := []byte(`{"activity":"Text","text":"a@b.cz","params":{"Email":"x","n":1},"list":[{"phone":"1"},{"phone":"2","deep":{"phone":"3"}}]}`)
	for _, tc := range []struct {
		paths []string
		want  string
	}{
		{nil, string(body)},
		{[]string{"nothing"}, string(body)},
		{[]string{"text"}, `{"activity":"Text","list":[{"phone":"1"},{"deep":{"phone":"3"},"phone":"2"}],"params":{"Email":"x","n":1},"text":"REDACTED"}`},
		{[]string{"params.email", "list.*.phone"}, `{"activity":"Text","list":[{"phone":"REDACTED"},{"deep":{"phone":"3"},"phone":"REDACTED"}],"params":{"Email":"REDACTED","n":1},"text":"a@b.cz"}`},
		{[]string{"**.phone"}, `{"activity":"Text","list":[{"phone":"REDACTED"},{"deep":{"phone":"REDACTED"},"phone":"REDACTED"}],"params":{"Email":"x","n":1},"text":"a@b.cz"}`},
		{[]string{"list.1"}, `{"activity":"Text","list":[{"phone":"1"},"REDACTED"],"params":{"Email":"x","n":1},"text":"a@b.cz"}`},
	} {
		var paths []recordPath
		for _, p := range tc.paths {
			paths = append(paths, parseRecordPath(p))
		}
		if got := string(redactBody(body, paths)); got != tc.want {
			t.Errorf("redact %v:\n got %s\nwant %s", tc.paths, got, tc.want)
		}
	}
}

// A line still incomplete when Close gives up is dropped when it completes.
func TestRecorderCloseGivesUpOnIncompleteLines(t *testing.T) {
	var buf bytes.Buffer
	rec := NewRecorder(&buf, RecordLogger(nil))
	e := rec.sent(5, "Text", []byte(`{"activity":"Text","sessionId":5}`))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := rec.Close(ctx); err == nil {
		t.Error("Close did not say a line was incomplete")
	}
	e.complete(200, nil) // must not panic
	if rec.sent(5, "Text", []byte(`{}`)) != nil {
		t.Error("a closed recorder began a line")
	}
	if st := rec.Stats(); st.Written != 0 || st.Overflow != 1 {
		t.Errorf("stats %+v", st)
	}
	if err := rec.Close(context.Background()); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// TestSessionRecorderMakesItsDirectory: a missing directory is made (0700),
// not an error the bot exits with.
func TestSessionRecorderMakesItsDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "recordings", "today")
	rec, err := NewSessionRecorder(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close(context.Background())
	if st, err := os.Stat(dir); err != nil || !st.IsDir() || st.Mode().Perm() != 0o700 {
		t.Errorf("directory: %v, %v", st, err)
	}
}
