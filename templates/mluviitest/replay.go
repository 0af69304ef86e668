package mluviitest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

// A ReplayOption configures Replay and Server.PlayRecording.
type ReplayOption func(*replayConfig)

type replayConfig struct {
	source       string // names the recording in messages
	ignoreFields []jsonPath
	ignoreActs   map[string]bool
	allowExtra   map[string]bool
	gaps         float64
	timeout      time.Duration
	settle       time.Duration
}

// IgnoreFields leaves the values at these paths out of the comparison of the
// bot's activities with the recorded ones: fields that legitimately change
// from run to run, such as timestamps or generated ids. A path is field names
// separated by dots, in any letter case, from the activity's top level; "*"
// stands for any one field name or list index, "**" for any number of them:
// "timestamp", "attachments.*.content.id", "**.id".
func IgnoreFields(paths ...string) ReplayOption {
	return func(c *replayConfig) {
		for _, p := range paths {
			c.ignoreFields = append(c.ignoreFields, parseJSONPath(p))
		}
	}
}

// IgnoreActivities leaves the activities of these names out of the
// comparison, on both sides: the bot may send them more or less often than
// recorded (a typing indicator, say).
func IgnoreActivities(names ...string) ReplayOption {
	return func(c *replayConfig) {
		for _, n := range names {
			c.ignoreActs[n] = true
		}
	}
}

// AllowExtra lets the bot send activities of these names that the recording
// lacks; those that are recorded must still come.
func AllowExtra(names ...string) ReplayOption {
	return func(c *replayConfig) {
		for _, n := range names {
			c.allowExtra[n] = true
		}
	}
}

// ReplayGaps honours the recorded time between the guest's events, scaled by
// scale (1: as recorded, 0.5: twice as fast), each gap cut to ReplayTimeout
// at most. By default a replay sends the
// next event as soon as the bot has sent what the recording says it sent
// before it.
func ReplayGaps(scale float64) ReplayOption {
	return func(c *replayConfig) { c.gaps = max(scale, 0) }
}

// ReplayTimeout sets how long the replay waits, at each of the guest's
// events, for the activities the bot sent before it in the recording
// (default: the server's WithTimeout, 5 s). A bot that sends fewer costs this
// much per event where it does.
func ReplayTimeout(d time.Duration) ReplayOption {
	return func(c *replayConfig) { c.timeout = d }
}

// ReplaySettle sets how long the replay waits, after the bot has sent as
// many activities as recorded after the last event, for any it sends beyond
// the recording (default 100 ms; 0: not at all).
func ReplaySettle(d time.Duration) ReplayOption {
	return func(c *replayConfig) { c.settle = max(d, 0) }
}

// ReplaySource names the recording in failure messages (ReplayFile sets it
// to the file's path).
func ReplaySource(name string) ReplayOption {
	return func(c *replayConfig) { c.source = name }
}

// Replay plays a recording (JSON Lines, see Recording) against the bot that
// srv delivers to (Server.ServeBot, SetCallbackURL), and fails the test with
// a readable diff when the bot's activities differ from the recorded ones.
// It reports through tb.Errorf, so the test goes on.
//
// The fake plays mluvii's side, session by session: it opens each recorded
// session with its id, source and language, delivers the recorded guest
// events in order, each once the bot has sent as many activities as the
// recording has before it (or ReplayTimeout passed), and answers the bot's
// requests with the recorded responses, in recorded order per response name
// (a request the recording does not answer gets the fake's own answer).
// Then it compares the bot's activities with the recorded ones, in order,
// name and body (less IgnoreFields and IgnoreActivities); the statuses mluvii
// answered are not compared. Replay each recording on a server of its own:
// the recorded session ids must be free.
func Replay(tb testing.TB, srv *Server, recording io.Reader, opts ...ReplayOption) {
	tb.Helper()
	rec, err := ReadRecording(recording)
	if err != nil {
		tb.Errorf("%v", err)
		return
	}
	if err := srv.PlayRecording(rec, opts...); err != nil {
		tb.Errorf("%v", err)
	}
}

// ReplayFile is Replay of the recording in a file; messages name the file.
func ReplayFile(tb testing.TB, srv *Server, path string, opts ...ReplayOption) {
	tb.Helper()
	rec, err := OpenRecording(path)
	if err != nil {
		tb.Errorf("%v", err)
		return
	}
	if err := srv.PlayRecording(rec, append([]ReplayOption{ReplaySource(path)}, opts...)...); err != nil {
		tb.Errorf("%v", err)
	}
}

// ReplayError is PlayRecording's error when the bot did not do as recorded.
type ReplayError struct {
	// Source names the recording (ReplaySource), or is empty.
	Source string
	// Sessions holds a report per session that differed.
	Sessions []SessionReplay
}

// SessionReplay is what differed in one session.
type SessionReplay struct {
	SessionID int64
	// Problems are failed deliveries to the bot and recorded sessions that
	// could not be played.
	Problems []string
	// Diff lists the bot's activities against the recorded ones: "  " as
	// recorded, "- " recorded but not sent, "+ " sent but not recorded, "~ "
	// sent differently, with the fields that differ.
	Diff string
}

// Error renders every session's problems and diff.
func (e *ReplayError) Error() string {
	var b strings.Builder
	b.WriteString("mluviitest: replay")
	if e.Source != "" {
		fmt.Fprintf(&b, " of %s", e.Source)
	}
	fmt.Fprintf(&b, ": the bot did not do as recorded in %d session(s)", len(e.Sessions))
	for _, s := range e.Sessions {
		fmt.Fprintf(&b, "\nsession %d:", s.SessionID)
		for _, p := range s.Problems {
			fmt.Fprintf(&b, "\n  ! %s", strings.ReplaceAll(p, "\n", "\n    "))
		}
		if s.Diff != "" {
			b.WriteString("\n  the bot's activities (- recorded, + sent by the bot):\n")
			b.WriteString(s.Diff)
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// PlayRecording plays rec against the bot as Replay does and returns a
// *ReplayError when the bot's activities differ, nil when they match.
func (s *Server) PlayRecording(rec *Recording, opts ...ReplayOption) error {
	cfg := replayConfig{ignoreActs: map[string]bool{}, allowExtra: map[string]bool{},
		timeout: s.cfg.timeout, settle: 100 * time.Millisecond}
	for _, o := range opts {
		o(&cfg)
	}
	if s.CallbackURL() == "" {
		return errors.New("mluviitest: replay: the server has no callback URL; serve the bot with ServeBot or set it with SetCallbackURL")
	}
	rerr := &ReplayError{Source: cfg.source}
	bySession := map[int64][]RecordedEntry{} // one pass: Session(id) per id would cost n²
	for _, e := range rec.Entries {
		bySession[e.SessionID] = append(bySession[e.SessionID], e)
	}
	for _, id := range rec.Sessions() {
		r := s.playSession(id, bySession[id], &cfg)
		if len(r.Problems) > 0 || r.Diff != "" {
			rerr.Sessions = append(rerr.Sessions, r)
		}
	}
	if len(rerr.Sessions) > 0 {
		return rerr
	}
	return nil
}

// replayAnswer takes the next recorded answer named name, if the session is
// being replayed and has one. Called with s.mu held.
func (ss *sessionState) replayAnswer(name string) ([]byte, bool) {
	q := ss.replay[name]
	if len(q) == 0 {
		return nil, false
	}
	ss.replay[name] = q[1:]
	return q[0], true
}

// isResponse reports whether the spec gives the named activity the response role.
func isResponse(name string) bool {
	a := spec.activity(name)
	return a != nil && a.role == "response"
}

func (s *Server) playSession(id int64, entries []RecordedEntry, cfg *replayConfig) SessionReplay {
	out := SessionReplay{SessionID: id}
	se, err := s.openSession(replayChannel(entries), replaySessionOptions(id, entries)...)
	if err != nil {
		out.Problems = append(out.Problems, fmt.Sprintf("cannot open the session: %v", err))
		return out
	}
	var events []RecordedEntry
	var recorded []replayItem
	segments := []int{0} // recorded activities of the bot before each event, and after the last
	after := "the session's start"
	s.mu.Lock()
	se.ss.replay = map[string][][]byte{}
	for _, e := range entries {
		switch {
		case e.Dir == ToBot && isResponse(e.Name):
			se.ss.replay[e.Name] = append(se.ss.replay[e.Name], e.Body)
		case e.Dir == ToBot && (e.Status == 0 || e.Status == 200):
			events = append(events, e)
			segments = append(segments, 0)
			after = describeEvent(e.Name, e.Body, fmt.Sprintf("line %d", e.Line))
		case e.Dir == FromBot && !cfg.ignoreActs[e.Name]:
			recorded = append(recorded, newReplayItem(e.Name, e.Body, fmt.Sprintf("line %d", e.Line), after, cfg))
			segments[len(segments)-1]++
		}
	}
	s.mu.Unlock()

	var marks []int // how many bot activities there were when each event was sent
	from, last := 0, time.Now()
	for k, ev := range events {
		s.waitBot(se, from+segments[k], cfg)
		if cfg.gaps > 0 && k > 0 {
			gap := time.Duration(float64(ev.Time-events[k-1].Time) * cfg.gaps)
			// A gap from the file is bounded like any wait of the replay: a
			// recording with a huge (or edited) t does not stall the test.
			gap = min(max(gap, 0), cfg.timeout)
			time.Sleep(time.Until(last.Add(gap)))
		}
		from = len(s.botItems(se, cfg, nil, nil))
		marks = append(marks, from)
		last = time.Now()
		if err := s.send(se.ss, ev.Name, ev.Body, true, false); err != nil {
			out.Problems = append(out.Problems, fmt.Sprintf("delivering %s: %v",
				describeEvent(ev.Name, ev.Body, fmt.Sprintf("line %d", ev.Line)), err))
		}
		if ev.Name == "ConversationEnded" {
			s.mu.Lock()
			s.end(se.ss, "guest")
			s.mu.Unlock()
		}
	}
	s.waitBot(se, from+segments[len(events)], cfg)
	if cfg.settle > 0 {
		time.Sleep(cfg.settle)
	}
	bot := s.botItems(se, cfg, events, marks)
	out.Diff = diffItems(recorded, bot, cfg)
	return out
}

// replayChannel is the channel of the recorded session: the one its source
// says (the first "in" body's source field), else the spec's first.
func replayChannel(entries []RecordedEntry) string {
	if src := recordedField(entries, "source"); src != "" {
		if ch := spec.channelOf(src); ch != "" {
			return ch
		}
	}
	if len(spec.channels) > 0 {
		return spec.channels[0].name
	}
	return "WebChat"
}

func replaySessionOptions(id int64, entries []RecordedEntry) []SessionOption {
	opts := []SessionOption{SessionID(id)}
	if src := recordedField(entries, "source"); src != "" && spec.channelOf(src) != "" {
		opts = append(opts, SessionSource(src))
	}
	if lang := recordedField(entries, "language"); lang != "" {
		opts = append(opts, SessionLanguage(lang))
	}
	return opts
}

// recordedField returns the first string value of an envelope field in the
// bodies mluvii sent.
func recordedField(entries []RecordedEntry, key string) string {
	for _, e := range entries {
		if e.Dir != ToBot {
			continue
		}
		var m map[string]any
		if json.Unmarshal(e.Body, &m) != nil {
			continue
		}
		for k, v := range m {
			if s, ok := v.(string); ok && strings.EqualFold(k, key) && s != "" {
				return s
			}
		}
	}
	return ""
}

// waitBot waits until the bot has sent n activities that count in the
// session, or the replay's timeout passes.
func (s *Server) waitBot(se *Session, n int, cfg *replayConfig) {
	deadline := time.NewTimer(cfg.timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		count := 0
		for _, e := range se.ss.entries {
			if e.Dir == FromBot && e.Name != "" && !cfg.ignoreActs[e.Name] {
				count++
			}
		}
		notify := se.ss.notify
		s.mu.Unlock()
		if count >= n {
			return
		}
		select {
		case <-notify:
		case <-deadline.C:
			return
		case <-s.ctx.Done():
			return
		}
	}
}

// botItems returns the bot's activities in the session that count, each
// with the guest's event it followed (events[i] was sent when there were
// marks[i] of them).
func (s *Server) botItems(se *Session, cfg *replayConfig, events []RecordedEntry, marks []int) []replayItem {
	var out []replayItem
	for _, e := range se.Transcript() {
		if e.Dir != FromBot || e.Name == "" || cfg.ignoreActs[e.Name] {
			continue
		}
		after := "the session's start"
		for i, m := range marks {
			if len(out) >= m {
				after = describeEvent(events[i].Name, events[i].Body, fmt.Sprintf("line %d", events[i].Line))
			}
		}
		out = append(out, newReplayItem(e.Name, e.Body, fmt.Sprintf("#%d", e.Seq), after, cfg))
	}
	return out
}

// describeEvent names a guest event for messages: its name, its text if it
// has one, and where it is.
func describeEvent(name string, body []byte, where string) string {
	var m map[string]any
	_ = json.Unmarshal(body, &m)
	for k, v := range m {
		if t, ok := v.(string); ok && strings.EqualFold(k, "text") {
			return fmt.Sprintf("%s %s (%s)", name, quoteClip(t, 60), where)
		}
	}
	return fmt.Sprintf("%s (%s)", name, where)
}

func quoteClip(s string, n int) string {
	if len(s) > n {
		cut := n
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
		s = s[:cut] + "…"
	}
	b, _ := marshalJSON(s)
	return string(b)
}

// replayItem is one activity of the bot, recorded or sent now, normalized
// for the comparison.
type replayItem struct {
	name  string
	norm  any    // the body decoded, less the ignored fields
	key   string // name and canonical JSON of norm: equal keys, equal activities
	where string // "line 9" (recorded) or "#12" (the fake's transcript)
	after string // the guest's event it followed
}

func newReplayItem(name string, body []byte, where, after string, cfg *replayConfig) replayItem {
	it := replayItem{name: name, where: where, after: after}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&it.norm); err != nil {
		it.norm = string(body)
	}
	for _, p := range cfg.ignoreFields {
		it.norm = removeAt(it.norm, p)
	}
	canon, _ := marshalJSON(it.norm)
	it.key = name + "\x00" + string(canon)
	return it
}
