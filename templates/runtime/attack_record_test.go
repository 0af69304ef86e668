package mluvii

// Reproductions of the attack review (branch attack).

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// TestAttackRedactionBypass: a webhook body the dispatcher takes (200) but
// encoding/json does not decode skips RecordRedact: redactBody returns it
// unchanged, and encodeRecLine writes it whole, as a JSON string.
func TestAttackRedactionBypass(t *testing.T) {
	const pii = "jana.novak@example.cz"
	deep := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	cases := map[string]string{
		"plain":              `{"activity":"Text","sessionId":7,"text":"` + pii + `"}`,
		"BOM":                "\xef\xbb\xbf" + `{"activity":"Text","sessionId":7,"text":"` + pii + `"}`,
		"raw tab in string":  `{"activity":"Text","sessionId":7,"text":"` + pii + "\t" + `"}`,
		"raw NUL in string":  `{"activity":"Text","sessionId":7,"text":"` + pii + "\x00" + `"}`,
		"trailing garbage":   `{"activity":"Text","sessionId":7,"text":"` + pii + `"} x`,
		"deep unknown 9999":  `{"activity":"Text","sessionId":7,"text":"` + pii + `","x":` + deep(9999) + `}`,
		"deep unknown 10000": `{"activity":"Text","sessionId":7,"text":"` + pii + `","x":` + deep(10000) + `}`,
		"lone surrogate":     `{"activity":"Text","sessionId":7,"text":"` + pii + `\ud800"}`,
		"1e400 unknown":      `{"activity":"Text","sessionId":7,"text":"` + pii + `","n":1e400}`,
		"leading zero":       `{"activity":"Text","sessionId":7,"text":"` + pii + `","n":01}`,
		"uppercase TRUE":     `{"activity":"Text","sessionId":7,"text":"` + pii + `","b":TRUE}`,
	}
	for name, body := range cases {
		var buf bytes.Buffer
		rec := NewRecorder(&buf, RecordLogger(nil), RecordRedact("text"))
		d := newTestDispatcher(t, WithDispatchRecorder(rec))
		d.OnText(func(context.Context, *Text) error { return nil })
		code := hookPost(d, []byte(body))
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		rec.Close(ctx)
		cancel()
		leaked := strings.Contains(buf.String(), pii)
		recorded := strings.Count(buf.String(), "\n") > 1
		t.Logf("%-20s status %d recorded %v leaked %v", name, code, recorded, leaked)
		if leaked {
			t.Errorf("%s: answered %d and the redacted field is in the recording", name, code)
		}
	}
}

// TestAttackRecorderHeldLinesUnbounded: lines after one that never completes
// (a Send whose ctx never ends against a mluvii that never answers, or a
// panic between begin and complete) wait in the session's pending list,
// holding their bodies outside RecordBufferBytes, up to RecordMaxEntries per
// session; their sessions are never evicted.
func TestAttackRecorderHeldLinesUnbounded(t *testing.T) {
	var buf bytes.Buffer
	rec := NewRecorder(&buf, RecordLogger(nil), RecordBufferBytes(1<<20), RecordMaxSessions(10))
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		rec.Close(ctx)
	}()
	body := bytes.Repeat([]byte("x"), 64<<10)
	for s := int64(1); s <= 20; s++ {
		if rec.sent(s, "Text", []byte(`{}`)) == nil { // never completed
			continue // refused: the buffer is full of lines held behind earlier ones
		}
		for range 100 {
			e := rec.received(time.Now(), []byte(`{"activity":"Text","sessionId":`+itoaStatus(int(s))+`,"text":"`+string(body)+`"}`))
			e.complete(200, nil)
		}
	}
	st := rec.Stats()
	held := 0
	rec.mu.Lock()
	for _, ss := range rec.sessions {
		for _, e := range ss.pending {
			held += len(e.line.Body)
		}
	}
	rec.mu.Unlock()
	t.Logf("sessions tracked %d (RecordMaxSessions 10); bodies held pending ~%d MiB (RecordBufferBytes 1 MiB)", st.Sessions, held>>20)
	if st.Sessions > 10 || held > 4<<20 {
		t.Errorf("a line that never completes holds every later line of its session in memory, uncounted")
	}
}

// TestAttackRecorderEvictsTheNewSession: when every tracked session has a
// line pending (RecordMaxSessions of them in flight), begin's evict() removes
// the session it has just added (its pending list is still empty), so each
// line of a new session starts a session of its own: "t" restarts at 0 and a
// response that completes first is written before its request.
func TestAttackRecorderEvictsTheNewSession(t *testing.T) {
	var buf bytes.Buffer
	rec := NewRecorder(&buf, RecordLogger(nil), RecordMaxSessions(2))
	var stuck []*recEntry
	for s := int64(1); s <= 2; s++ {
		stuck = append(stuck, rec.sent(s, "Text", []byte(`{}`)))
	}
	req := rec.sent(9, "GetCallParams", []byte(`{"activity":"GetCallParams","sessionId":9}`))
	resp := rec.received(time.Now(), []byte(`{"activity":"GetCallParamsResponse","sessionId":9,"callParams":{}}`))
	resp.complete(200, nil) // mluvii's webhook answer arrives before its HTTP answer
	req.complete(200, nil)
	for _, e := range stuck {
		e.complete(200, nil)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rec.Close(ctx)
	got := strings.Join(recordedLines(t, buf.Bytes()), ", ")
	if i, j := strings.Index(got, "out GetCallParams "), strings.Index(got, "in GetCallParamsResponse"); i < 0 || j < 0 || j < i {
		t.Errorf("session 9 recorded as %s: the response before its request", got)
	}
}
