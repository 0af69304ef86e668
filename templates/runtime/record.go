package mluvii

import (
	"bytes"
	"container/list"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// A recording is JSON Lines: a header line, then one line per activity, in
// the order the activities were received or sent:
//
//	{"format":"mluvii-recording","version":1}
//	{"t":0,"dir":"in","session":4815162342,"activity":"ConversationStarted","status":200,"body":{…}}
//	{"t":12,"dir":"out","session":4815162342,"activity":"Text","status":200,"body":{…}}
//
// t is milliseconds since the session's first line; dir is "in" for a webhook
// body mluvii sent (status: what the dispatcher answered) and "out" for an
// activity the bot sent (status: what mluvii answered, 0 with "error" when
// there was no answer). body is the JSON as received or sent, less redacted
// values. mluviitest reads it (ReadRecording, Replay) and writes it
// (Session.Recording); mluvii-mock saves its conversations in it.

// RecordingFormat and RecordingVersion are the header line's values.
const (
	RecordingFormat  = "mluvii-recording"
	RecordingVersion = 1
)

// Recorder defaults.
const (
	// DefaultRecordMaxEntries is the most lines recorded per session.
	DefaultRecordMaxEntries = 10_000
	// DefaultRecordMaxSessions is the most sessions tracked at once.
	DefaultRecordMaxSessions = 10_000
	// DefaultRecordBufferBytes bounds the bodies waiting to be written (16 MiB).
	DefaultRecordBufferBytes = 16 << 20
)

// Recorder writes the traffic of chosen sessions, both directions, as a
// recording (JSON Lines; see RecordingFormat): attach it to the dispatcher
// with WithDispatchRecorder (every webhook body as received, in arrival
// order) and to the client with WithClientRecorder (every activity the bot
// sends, with mluvii's status); a client made WithDispatcher(d) records to
// d's recorder unless it has its own.
//
// Nothing secret is written: no tokens, no headers, no URLs (the callback
// secret travels there), no client credentials; only activity bodies, less
// the values RecordRedact names. The recorder never blocks nor fails the bot's
// traffic: lines are written by a goroutine of its own, a line that finds
// the buffer full (RecordBufferBytes) or its session at its limit
// (RecordMaxEntries) is dropped and counted, and write errors are logged and
// counted (Stats). A line is written once every line of its session begun
// before it is complete, so a request precedes the response it caused, even
// when the response reached the webhook before mluvii answered the request.
//
// Close flushes it. A Recorder is safe for concurrent use.
type Recorder struct {
	cfg  recorderConfig
	sink recordSink

	mu       sync.Mutex
	sessions map[int64]*recSession
	lru      list.List // *recSession, least recently used first
	closed   bool
	stopped  bool           // lines is closed: lines finished later are dropped
	open     sync.WaitGroup // lines begun and not finished

	lines   chan recLine
	queued  atomic.Int64 // bytes of bodies in lines
	drained chan struct{}

	written, overflow, overLimit, writeErrors atomic.Uint64
}

// RecorderStats counts what a Recorder did.
type RecorderStats struct {
	Written     uint64 // lines written (headers not counted)
	Overflow    uint64 // lines dropped: the buffer was full (RecordBufferBytes), or Close gave up waiting for them
	OverLimit   uint64 // lines dropped: their session had RecordMaxEntries lines
	WriteErrors uint64 // writes that failed (logged)
	Sessions    int    // sessions tracked now
}

// A RecorderOption configures NewRecorder and NewSessionRecorder.
type RecorderOption func(*recorderConfig)

type recorderConfig struct {
	filter      func(sessionID int64) bool
	redact      []recordPath
	maxEntries  int
	maxSessions int
	bufBytes    int64
	log         *slog.Logger
}

// RecordSessions records only the sessions given (by default every session
// is recorded). It replaces an earlier RecordSessions or RecordIf.
func RecordSessions(ids ...int64) RecorderOption {
	set := make(map[int64]bool, len(ids))
	for _, id := range ids {
		set[id] = true
	}
	return RecordIf(func(id int64) bool { return set[id] })
}

// RecordIf records the activities of the sessions for which keep reports
// true. It is called for every activity before it is recorded, from the
// dispatcher's and the client's goroutines, so it must be fast and safe for
// concurrent use; a session it starts accepting mid-conversation is recorded
// from then on.
func RecordIf(keep func(sessionID int64) bool) RecorderOption {
	return func(c *recorderConfig) { c.filter = keep }
}

// RecordRedact replaces the values at these paths in every body with the
// string "REDACTED" (for personal data such as e-mail addresses or phone
// numbers). A path is field names separated by dots, compared in any letter
// case; "*" stands for any one field name or list index, "**" for any number
// of them: "text", "callParams.email", "attachments.*.content.text",
// "**.phone". A redacted body is written with its object keys sorted.
func RecordRedact(paths ...string) RecorderOption {
	return func(c *recorderConfig) {
		for _, p := range paths {
			c.redact = append(c.redact, parseRecordPath(p))
		}
	}
}

// RecordMaxEntries sets the most lines recorded per session (default
// 10 000); further lines of the session are dropped and counted in
// Stats().OverLimit. n < 1 keeps the default.
func RecordMaxEntries(n int) RecorderOption {
	return func(c *recorderConfig) {
		if n > 0 {
			c.maxEntries = n
		}
	}
}

// RecordMaxSessions sets how many sessions the recorder tracks at once
// (default 10 000): their start time, line count and lines waiting for
// earlier ones. Beyond, the least recently active session without waiting
// lines is forgotten; if it sends again it is recorded as new (its times
// start again from 0). n < 1 keeps the default.
func RecordMaxSessions(n int) RecorderOption {
	return func(c *recorderConfig) {
		if n > 0 {
			c.maxSessions = n
		}
	}
}

// RecordBufferBytes bounds the bytes of bodies waiting to be written
// (default 16 MiB); a line that does not fit is dropped and counted in
// Stats().Overflow. n < 1 keeps the default.
func RecordBufferBytes(n int64) RecorderOption {
	return func(c *recorderConfig) {
		if n > 0 {
			c.bufBytes = n
		}
	}
}

// RecordLogger sets where write errors and dropped lines are logged (default
// slog.Default(); nil discards).
func RecordLogger(l *slog.Logger) RecorderOption {
	return func(c *recorderConfig) {
		if l == nil {
			l = slog.New(slog.DiscardHandler)
		}
		c.log = l
	}
}

// NewRecorder returns a recorder writing every recorded session to w, one
// recording whose lines of different sessions interleave (each names its
// session). The header line is written at once. Close flushes and, when w
// has a Flush() error method (a *bufio.Writer), flushes w; it does not close w.
func NewRecorder(w io.Writer, opts ...RecorderOption) *Recorder {
	return newRecorder(&streamSink{w: w}, opts)
}

// NewSessionRecorder returns a recorder writing each session to a file of its
// own in dir (made, mode 0700, when missing), named after the session id
// (4815162342.jsonl), created with mode 0600 or appended to. Files are opened for each batch of lines and
// closed after it, so any number of sessions holds no file open.
func NewSessionRecorder(dir string, opts ...RecorderOption) (*Recorder, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("mluvii: recorder: %w", err)
	}
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("mluvii: recorder: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("mluvii: recorder: %s is not a directory", dir)
	}
	return newRecorder(&dirSink{dir: dir}, opts), nil
}

func newRecorder(sink recordSink, opts []RecorderOption) *Recorder {
	cfg := recorderConfig{
		maxEntries: DefaultRecordMaxEntries, maxSessions: DefaultRecordMaxSessions,
		bufBytes: DefaultRecordBufferBytes, log: slog.Default(),
	}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	r := &Recorder{cfg: cfg, sink: sink, sessions: map[int64]*recSession{},
		lines: make(chan recLine, 1024), drained: make(chan struct{})}
	go r.write()
	return r
}

// WithDispatchRecorder makes the dispatcher record every webhook body it
// reads in full (not those it refuses unread: 401, 413, …) that names a
// session, with the status it answered, to r. Pings are not recorded.
func WithDispatchRecorder(r *Recorder) DispatcherOption {
	return func(c *dispatcherConfig) { c.recorder = r }
}

// WithClientRecorder makes the client record every activity it sends (once
// per Send, whatever the retries, with the final status) to r. Token
// requests and SetCallbackURL are not recorded. A client made with
// WithDispatcher records to the dispatcher's recorder unless this option is
// given (nil: record nothing).
func WithClientRecorder(r *Recorder) ClientOption {
	return func(c *Client) { c.recorder, c.recorderSet = r, true }
}

// Stats returns the recorder's counters.
func (r *Recorder) Stats() RecorderStats {
	r.mu.Lock()
	n := len(r.sessions)
	r.mu.Unlock()
	return RecorderStats{Written: r.written.Load(), Overflow: r.overflow.Load(), OverLimit: r.overLimit.Load(),
		WriteErrors: r.writeErrors.Load(), Sessions: n}
}

// Close stops recording, waits (within ctx) for the lines begun to complete,
// and writes what is buffered. Lines still incomplete when ctx ends are not
// written. Calling it again returns at once.
func (r *Recorder) Close(ctx context.Context) error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		<-r.drained
		return nil
	}
	r.closed = true
	r.mu.Unlock()
	done := make(chan struct{})
	go func() { r.open.Wait(); close(done) }()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = fmt.Errorf("mluvii: recorder: lines still incomplete: %w", ctx.Err())
	}
	r.mu.Lock()
	r.stopped = true
	close(r.lines)
	r.mu.Unlock()
	<-r.drained
	return err
}

// recSession is what the recorder keeps of one session. Guarded by Recorder.mu.
type recSession struct {
	id      int64
	start   time.Time
	n       int         // lines begun
	pending []*recEntry // begun and not yet passed to the writer, in order
	elem    *list.Element
}

// recEntry is one line being recorded.
type recEntry struct {
	r      *Recorder
	ss     *recSession
	line   recLine
	done   bool
	finish sync.Once
}

// recLine is one line of a recording.
type recLine struct {
	T        int64           `json:"t"`
	Dir      string          `json:"dir"`
	Session  int64           `json:"session"`
	Activity string          `json:"activity"`
	Status   int             `json:"status"`
	Error    string          `json:"error,omitempty"`
	Body     json.RawMessage `json:"body"`
}

// received begins the line of a webhook body (nil-safe: nil when not
// recorded). It decodes the body only when recording.
func (r *Recorder) received(at time.Time, body []byte) *recEntry {
	if r == nil {
		return nil
	}
	a, err := Decode(body)
	if err != nil {
		return nil
	}
	return r.receivedActivity(at, a, body)
}

// receivedActivity is received for a body the caller decoded already (the
// dispatcher, which decodes every body to route it).
func (r *Recorder) receivedActivity(at time.Time, a Activity, body []byte) *recEntry {
	if r == nil || a.Session() == 0 {
		return nil
	}
	return r.begin(at, "in", a.Session(), a.ActivityName(), body)
}

// sent begins the line of an activity the client sends (nil-safe).
func (r *Recorder) sent(sessionID int64, name string, body []byte) *recEntry {
	if r == nil || sessionID == 0 {
		return nil
	}
	return r.begin(time.Now(), "out", sessionID, name, body)
}

func (r *Recorder) begin(at time.Time, dir string, sessionID int64, name string, body []byte) *recEntry {
	if r.cfg.filter != nil && !r.cfg.filter(sessionID) {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	ss := r.sessions[sessionID]
	if ss == nil {
		r.evict()
		ss = &recSession{id: sessionID, start: at}
		r.sessions[sessionID] = ss
		ss.elem = r.lru.PushBack(ss)
	} else {
		r.lru.MoveToBack(ss.elem)
	}
	if ss.n >= r.cfg.maxEntries {
		r.overLimit.Add(1)
		if ss.n == r.cfg.maxEntries {
			ss.n++ // log once per session
			r.cfg.log.Warn("mluvii recorder: session reached its limit; no more lines recorded", "session", sessionID, "limit", r.cfg.maxEntries)
		}
		return nil
	}
	// A line's body counts against RecordBufferBytes from now on, while it
	// waits for its outcome or for an earlier line of its session, not only
	// once it is queued for the writer.
	n := int64(len(body))
	if q := r.queued.Add(n); q > r.cfg.bufBytes && q != n { // one body always fits
		r.queued.Add(-n)
		r.dropped(recLine{Session: sessionID, Activity: name}, "buffer full")
		return nil
	}
	ss.n++
	ms := max(at.Sub(ss.start).Milliseconds(), 0)
	e := &recEntry{r: r, ss: ss, line: recLine{T: ms, Dir: dir, Session: sessionID, Activity: name, Body: body}}
	ss.pending = append(ss.pending, e)
	r.open.Add(1)
	return e
}

// evict forgets the least recently active sessions until there is room for
// one more: first those without lines in flight, then, when every one has
// some (lines that may never complete), the least recently active ones all
// the same. A forgotten session's lines in flight still reach the writer in
// order when they complete; a later line of it starts the session anew.
// Called with r.mu held.
func (r *Recorder) evict() {
	for _, idle := range []bool{true, false} {
		for el := r.lru.Front(); el != nil && len(r.sessions) >= r.cfg.maxSessions; {
			next := el.Next()
			if ss := el.Value.(*recSession); !idle || len(ss.pending) == 0 {
				r.lru.Remove(el)
				delete(r.sessions, ss.id)
			}
			el = next
		}
	}
}

// complete finishes the line with its status (nil-safe, idempotent) and
// passes the session's completed lines to the writer in order.
func (e *recEntry) complete(status int, err error) {
	if e == nil {
		return
	}
	e.finish.Do(func() {
		r := e.r
		r.mu.Lock()
		e.done = true
		e.line.Status = status
		if err != nil {
			e.line.Error = clipText(err.Error(), 500)
		}
		ss := e.ss
		i := 0
		for ; i < len(ss.pending) && ss.pending[i].done; i++ {
			r.push(ss.pending[i].line)
		}
		clear(ss.pending[:i])
		ss.pending = ss.pending[i:]
		r.mu.Unlock()
		r.open.Done()
	})
}

// push hands a line to the writer without waiting. Called with r.mu held.
func (r *Recorder) push(l recLine) {
	n := int64(len(l.Body)) // counted since begin
	if r.stopped {          // Close gave up waiting for this line
		r.queued.Add(-n)
		r.dropped(l, "recorder closed")
		return
	}
	select {
	case r.lines <- l:
	default:
		r.queued.Add(-n)
		r.dropped(l, "buffer full")
	}
}

func (r *Recorder) dropped(l recLine, why string) {
	if r.overflow.Add(1)%1000 == 1 {
		r.cfg.log.Warn("mluvii recorder: line dropped", "why", why, "session", l.Session, "activity", l.Activity,
			"dropped", r.overflow.Load())
	}
}

// write is the writer goroutine: it formats lines and writes them in batches.
func (r *Recorder) write() {
	defer close(r.drained)
	if err := r.sink.header(); err != nil {
		r.writeFailed(err)
	}
	var batch []recLine
	for l := range r.lines {
		batch = append(batch[:0], l)
	more:
		for len(batch) < 256 {
			select {
			case l, ok := <-r.lines:
				if !ok {
					break more
				}
				batch = append(batch, l)
			default:
				break more
			}
		}
		r.flush(batch)
	}
	if err := r.sink.close(); err != nil {
		r.writeFailed(err)
	}
}

func (r *Recorder) flush(batch []recLine) {
	encoded := make([][]byte, len(batch))
	for i, l := range batch {
		r.queued.Add(-int64(len(l.Body)))
		l.Body = redactBody(l.Body, r.cfg.redact)
		b, err := encodeRecLine(l)
		if err != nil {
			r.writeFailed(fmt.Errorf("session %d, %s: %w", l.Session, l.Activity, err))
			continue
		}
		encoded[i] = b
	}
	n, err := r.sink.write(batch, encoded)
	r.written.Add(uint64(n))
	if err != nil {
		r.writeFailed(err)
	}
}

func (r *Recorder) writeFailed(err error) {
	if r.writeErrors.Add(1)%100 == 1 {
		r.cfg.log.Error("mluvii recorder: write failed", "err", err, "errors", r.writeErrors.Load())
	}
}

func encodeRecLine(l recLine) ([]byte, error) {
	if !json.Valid(l.Body) {
		b, _ := json.Marshal(string(l.Body))
		l.Body = b // keep what came, as a string
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(l); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func recordHeader() []byte {
	return []byte(`{"format":"` + RecordingFormat + `","version":` + strconv.Itoa(RecordingVersion) + "}\n")
}

// recordSink is where the writer goroutine puts lines.
type recordSink interface {
	header() error
	// write writes the encoded lines (nil: skip) and says how many it wrote.
	write(lines []recLine, encoded [][]byte) (int, error)
	close() error
}

// streamSink writes one recording to an io.Writer.
type streamSink struct {
	w   io.Writer
	buf bytes.Buffer
}

func (s *streamSink) header() error {
	_, err := s.w.Write(recordHeader())
	return err
}

func (s *streamSink) write(_ []recLine, encoded [][]byte) (int, error) {
	s.buf.Reset()
	n := 0
	for _, b := range encoded {
		if b != nil {
			s.buf.Write(b)
			n++
		}
	}
	if _, err := s.w.Write(s.buf.Bytes()); err != nil {
		return 0, err
	}
	return n, nil
}

func (s *streamSink) close() error {
	if f, ok := s.w.(interface{ Flush() error }); ok {
		return f.Flush()
	}
	return nil
}

// dirSink writes a file per session.
type dirSink struct{ dir string }

func (d *dirSink) header() error { return nil }

func (d *dirSink) write(lines []recLine, encoded [][]byte) (int, error) {
	bySession := map[int64]*bytes.Buffer{}
	var order []int64
	counts := map[int64]int{}
	for i, l := range lines {
		if encoded[i] == nil {
			continue
		}
		b := bySession[l.Session]
		if b == nil {
			b = &bytes.Buffer{}
			bySession[l.Session] = b
			order = append(order, l.Session)
		}
		b.Write(encoded[i])
		counts[l.Session]++
	}
	n := 0
	var errs []error
	for _, id := range order {
		if err := d.append(id, bySession[id].Bytes()); err != nil {
			errs = append(errs, err)
			continue
		}
		n += counts[id]
	}
	return n, errors.Join(errs...)
}

func (d *dirSink) append(id int64, b []byte) error {
	f, err := os.OpenFile(filepath.Join(d.dir, strconv.FormatInt(id, 10)+".jsonl"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	if st, err := f.Stat(); err == nil && st.Size() == 0 {
		b = append(recordHeader(), b...)
	}
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func (d *dirSink) close() error { return nil }

// recordPath is a parsed RecordRedact path.
type recordPath []string

func parseRecordPath(p string) recordPath { return strings.Split(p, ".") }

// redactBody returns body with the values at paths replaced, or body itself
// when no path matches (or it is not JSON).
func redactBody(body []byte, paths []recordPath) []byte {
	if len(paths) == 0 {
		return body
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return body
	}
	changed := false
	for _, p := range paths {
		v = redactAt(v, p, &changed)
	}
	if !changed {
		return body
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if enc.Encode(v) != nil {
		return body
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func redactAt(v any, p recordPath, changed *bool) any {
	if len(p) == 0 {
		*changed = true
		return "REDACTED"
	}
	seg, rest := p[0], p[1:]
	if seg == "**" {
		v = redactAt(v, rest, changed) // zero segments
		if len(rest) == 0 {
			return v
		}
		rest = p // one segment, then any number again
		seg = "*"
	}
	switch x := v.(type) {
	case map[string]any:
		for k, el := range x {
			if seg == "*" || strings.EqualFold(k, seg) {
				x[k] = redactAt(el, rest, changed)
			}
		}
	case []any:
		for i, el := range x {
			if seg == "*" || seg == strconv.Itoa(i) {
				x[i] = redactAt(el, rest, changed)
			}
		}
	}
	return v
}

func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}
