package mluviitest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	mluvii "github.com/mluviigen/mluviigen/templates/runtime"
)

const replaySecret = "cb-s3cr3t-Qx9"

// orderBot is the bot under test: it greets, stores the order number the
// guest types (SetCallParams, waiting for the answer), and on "operator"
// reads the call params (GetCallParams) and hands off. thanks is its answer
// to an order number; typing makes it show the typing indicator first.
type orderBot struct {
	thanks string
	typing bool
}

func (ob orderBot) start(t *testing.T, srv *Server, rec *mluvii.Recorder) {
	t.Helper()
	dopts := []mluvii.DispatcherOption{mluvii.WithCallbackSecret(replaySecret), mluvii.WithDispatchLogger(nil)}
	if rec != nil {
		dopts = append(dopts, mluvii.WithDispatchRecorder(rec))
	}
	d := mluvii.NewDispatcher(dopts...)
	client := mluvii.NewClient(srv.URL, srv.ChatbotID,
		mluvii.WithClientCredentials(srv.ClientID, srv.ClientSecret), mluvii.WithDispatcher(d))
	d.OnConversationStarted(func(ctx context.Context, a *mluvii.ConversationStarted) error {
		return client.SendText(ctx, a.SessionID, "Hello! What is your order number?")
	})
	d.OnText(func(ctx context.Context, a *mluvii.Text) error {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if a.Text == "operator" {
			cp, err := client.GetCallParamsAndWait(ctx, a.SessionID)
			if err != nil {
				return err
			}
			if err := client.SendText(ctx, a.SessionID, fmt.Sprintf("Handing order %s (vip: %q) over.", cp.CallParams["order_no"], cp.CallParams["vip"])); err != nil {
				return err
			}
			return client.HandOff(ctx, a.SessionID)
		}
		if ob.typing {
			if err := client.Typing(ctx, a.SessionID, true); err != nil {
				return err
			}
		}
		if _, err := client.SetCallParamsAndWait(ctx, a.SessionID, map[string]string{"order_no": a.Text}); err != nil {
			return err
		}
		return client.SendText(ctx, a.SessionID, fmt.Sprintf(ob.thanks, a.Text))
	})
	d.OnError(func(_ context.Context, err error, _ []byte) { t.Errorf("bot: %v", err) })
	srv.ServeBot(d, "/mluvii?secret="+replaySecret)
}

var recordedBot = orderBot{thanks: "Thanks, order %s is noted.", typing: true}

// recordConversation runs the guest's side of a conversation with bot on a
// fresh fake, recording with the runtime's Recorder, and returns the
// recording and the fake.
func recordConversation(t *testing.T, bot orderBot, opts ...mluvii.RecorderOption) ([]byte, *Server, *Session) {
	t.Helper()
	srv := NewServer(t)
	var buf bytes.Buffer
	rec := mluvii.NewRecorder(&buf, append([]mluvii.RecorderOption{mluvii.RecordLogger(nil)}, opts...)...)
	bot.start(t, srv, rec)
	sess, err := srv.StartConversation(mluvii.ChannelWebChat, SessionCallParams(map[string]string{"vip": "yes"}))
	if err != nil {
		t.Fatal(err)
	}
	sess.AssertBotSaid("Hello! What is your order number?")
	if err := sess.Text("CZ-118"); err != nil {
		t.Fatal(err)
	}
	sess.AssertBotSaid("Thanks, order CZ-118 is noted.")
	if err := sess.Text("operator"); err != nil {
		t.Fatal(err)
	}
	sess.Expect("HandOff")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rec.Close(ctx); err != nil {
		t.Fatal(err)
	}
	lines := uint64(bytes.Count(buf.Bytes(), []byte("\n")) - 1)
	if st := rec.Stats(); st.Written != lines || st.Written < 11 || st.Overflow+st.OverLimit+st.WriteErrors != 0 {
		t.Errorf("recorder stats %+v, want %d lines written and nothing dropped", st, lines)
	}
	return buf.Bytes(), srv, sess
}

func TestRecorderRecordsBothDirections(t *testing.T) {
	file, srv, sess := recordConversation(t, recordedBot)
	rec, err := ReadRecording(bytes.NewReader(file))
	if err != nil {
		t.Fatalf("%v\n%s", err, file)
	}
	want := []string{
		"in ConversationStarted", "out Text",
		"in Text", "out Typing", "out SetCallParams", "in SetCallParamsResponse", "out Text",
		"in Text", "out GetCallParams", "in GetCallParamsResponse", "out Text", "out HandOff",
	}
	var got []string
	var last time.Duration
	for _, e := range rec.Entries {
		dir := "in"
		if e.Dir == FromBot {
			dir = "out"
		}
		got = append(got, dir+" "+e.Name)
		if e.SessionID != sess.ID() || e.Status != 200 || e.Err != "" {
			t.Errorf("line %d: session %d, status %d, error %q", e.Line, e.SessionID, e.Status, e.Err)
		}
		if e.Time < last {
			t.Errorf("line %d: t %v before the line above's %v", e.Line, e.Time, last)
		}
		last = e.Time
	}
	if strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Errorf("recorded\n  %s\nwant\n  %s\nfile:\n%s", strings.Join(got, "\n  "), strings.Join(want, "\n  "), file)
	}
	// The fake's own view of the session says the same.
	var fake []string
	for _, e := range sess.Recording().Entries {
		dir := "in"
		if e.Dir == FromBot {
			dir = "out"
		}
		fake = append(fake, dir+" "+e.Name)
	}
	if strings.Join(fake, ", ") != strings.Join(want, ", ") {
		t.Errorf("Session.Recording: %v", fake)
	}
	if !bytes.HasPrefix(file, []byte(`{"format":"mluvii-recording","version":1}`+"\n")) {
		t.Errorf("header: %.80s", file)
	}
	// Nothing secret: the callback secret, the API key, the tokens, headers.
	srv.mu.Lock()
	secrets := []string{replaySecret, srv.ClientSecret, "Bearer", "Authorization", "secret="}
	for tok := range srv.tokens {
		secrets = append(secrets, tok)
	}
	srv.mu.Unlock()
	if len(secrets) < 6 {
		t.Fatal("the fake issued no token")
	}
	for _, s := range secrets {
		if bytes.Contains(file, []byte(s)) {
			t.Errorf("the recording contains %q", s)
		}
	}
}

// captureTB records what a test helper reports instead of failing the test.
type captureTB struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (c *captureTB) Helper() {}
func (c *captureTB) Errorf(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.errs = append(c.errs, fmt.Sprintf(format, args...))
}
func (c *captureTB) failure() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Join(c.errs, "\n")
}

// replayAgainst replays file against bot on a fresh fake and returns what
// Replay reported ("" when it passed).
func replayAgainst(t *testing.T, file []byte, bot orderBot, opts ...ReplayOption) string {
	t.Helper()
	srv := NewServer(t) // no call params: the recorded answers must be played
	bot.start(t, srv, nil)
	tb := &captureTB{TB: t}
	Replay(tb, srv, bytes.NewReader(file), append([]ReplayOption{ReplaySettle(20 * time.Millisecond), ReplayTimeout(time.Second)}, opts...)...)
	srv.AssertNoRejections()
	return tb.failure()
}

func TestReplaySameBotPasses(t *testing.T) {
	file, _, _ := recordConversation(t, recordedBot)
	if msg := replayAgainst(t, file, recordedBot); msg != "" {
		t.Fatalf("replay against the recorded bot failed:\n%s", msg)
	}
}

func TestReplayFailsWhenTheBotChangesItsAnswer(t *testing.T) {
	file, _, sess := recordConversation(t, recordedBot)
	changed := orderBot{thanks: "Got it: %s.", typing: true}
	msg := replayAgainst(t, file, changed)
	t.Logf("the failure reads:\n%s", msg)
	for _, want := range []string{
		fmt.Sprintf("session %d:", sess.ID()),
		"~ Text (recorded at line 8, after Text \"CZ-118\" (line 4); sent as #",
		`text: - "Thanks, order CZ-118 is noted."`,
		`      + "Got it: CZ-118."`,
		"    SetCallParams ",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("the failure lacks %q", want)
		}
	}
	if strings.Count(msg, "~ ") != 1 || strings.Contains(msg, "\n  - ") || strings.Contains(msg, "\n  + ") {
		t.Errorf("the failure should show one changed activity and nothing else")
	}

	// PlayRecording returns the same as a *ReplayError.
	srv := NewServer(t)
	changed.start(t, srv, nil)
	rec, err := ReadRecording(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	err = srv.PlayRecording(rec, ReplaySettle(0))
	var rerr *ReplayError
	if !errors.As(err, &rerr) || len(rerr.Sessions) != 1 || rerr.Sessions[0].SessionID != sess.ID() || len(rerr.Sessions[0].Problems) != 0 {
		t.Fatalf("PlayRecording: %#v", err)
	}
}

func TestReplayIgnoreOptions(t *testing.T) {
	file, _, _ := recordConversation(t, recordedBot)
	t.Run("IgnoreFields", func(t *testing.T) {
		changed := orderBot{thanks: "Got it: %s.", typing: true}
		if msg := replayAgainst(t, file, changed, IgnoreFields("text")); msg != "" {
			t.Errorf("with text ignored:\n%s", msg)
		}
		if msg := replayAgainst(t, file, changed, IgnoreFields("**.TEXT")); msg != "" {
			t.Errorf("with **.TEXT ignored:\n%s", msg)
		}
	})
	t.Run("IgnoreActivities", func(t *testing.T) {
		noTyping := orderBot{thanks: recordedBot.thanks}
		msg := replayAgainst(t, file, noTyping)
		if !strings.Contains(msg, "- Typing {") || !strings.Contains(msg, "recorded, not sent by the bot") {
			t.Errorf("a bot that stopped typing: the failure lacks the missing Typing:\n%s", msg)
		}
		if msg := replayAgainst(t, file, noTyping, IgnoreActivities("Typing")); msg != "" {
			t.Errorf("with Typing ignored:\n%s", msg)
		}
	})
	t.Run("AllowExtra", func(t *testing.T) {
		_, noTypingFile := func() (string, []byte) {
			f, _, _ := recordConversation(t, orderBot{thanks: recordedBot.thanks})
			return "", f
		}()
		msg := replayAgainst(t, noTypingFile, recordedBot)
		if !strings.Contains(msg, "+ Typing {") || !strings.Contains(msg, "sent by the bot, not recorded") {
			t.Errorf("a bot that started typing: the failure lacks the extra Typing:\n%s", msg)
		}
		if msg := replayAgainst(t, noTypingFile, recordedBot, AllowExtra("Typing")); msg != "" {
			t.Errorf("with Typing allowed extra:\n%s", msg)
		}
		// AllowExtra does not excuse a missing one.
		if msg := replayAgainst(t, file, orderBot{thanks: recordedBot.thanks}, AllowExtra("Typing")); msg == "" {
			t.Error("a missing Typing passed with AllowExtra")
		}
	})
}

func TestReplayOfTheFakesOwnRecording(t *testing.T) {
	_, _, sess := recordConversation(t, recordedBot)
	var buf bytes.Buffer
	if _, err := sess.Recording().WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	if msg := replayAgainst(t, buf.Bytes(), recordedBot); msg != "" {
		t.Fatalf("replay of Session.Recording failed:\n%s\nrecording:\n%s", msg, buf.Bytes())
	}
	path := filepath.Join(t.TempDir(), "conversation.jsonl")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := NewServer(t)
	orderBot{thanks: "%s?"}.start(t, srv, nil)
	tb := &captureTB{TB: t}
	ReplayFile(tb, srv, path, ReplaySettle(0), ReplayTimeout(300*time.Millisecond))
	if msg := tb.failure(); !strings.Contains(msg, "mluviitest: replay of "+path+": the bot did not do as recorded in 1 session(s)") {
		t.Errorf("ReplayFile's failure:\n%s", msg)
	}
}

// recordedWithTimes records recordedBot's conversation and returns the file
// with each entry's time replaced by at(n, time), n counting the guest's
// events up to and including the entry.
func recordedWithTimes(t *testing.T, at func(guestEvents int, recorded time.Duration) time.Duration) []byte {
	t.Helper()
	file, _, _ := recordConversation(t, recordedBot)
	rec, err := ReadRecording(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	events := 0
	for i := range rec.Entries {
		if rec.Entries[i].Dir == ToBot && !isResponse(rec.Entries[i].Name) {
			events++
		}
		rec.Entries[i].Time = at(events, rec.Entries[i].Time)
	}
	var buf bytes.Buffer
	rec.WriteTo(&buf)
	return buf.Bytes()
}

func TestReplayGaps(t *testing.T) {
	// Spread the guest's events 150 ms apart.
	file := recordedWithTimes(t, func(events int, _ time.Duration) time.Duration {
		return time.Duration(events) * 150 * time.Millisecond
	})
	began := time.Now()
	if msg := replayAgainst(t, file, recordedBot, ReplayGaps(1)); msg != "" {
		t.Fatal(msg)
	}
	if took := time.Since(began); took < 300*time.Millisecond {
		t.Errorf("the replay honouring two gaps of 150 ms took %v", took)
	}
}

func TestReadRecordingErrors(t *testing.T) {
	for _, tc := range []struct{ file, want string }{
		{"", "empty"},
		{`{"format":"other","version":1}`, "line 1: not a mluvii-recording header"},
		{`{"format":"mluvii-recording","version":2}`, "line 1: format version 2"},
		{"{\"format\":\"mluvii-recording\",\"version\":1}\n\n{\"t\":0,\"dir\":\"sideways\",\"session\":1,\"activity\":\"Text\",\"status\":200,\"body\":{}}", `line 3: dir is "sideways"`},
		{"{\"format\":\"mluvii-recording\",\"version\":1}\n{\"t\":0,\"dir\":\"in\",\"activity\":\"Text\",\"status\":200,\"body\":{}}", `line 2: no "session"`},
		{"{\"format\":\"mluvii-recording\",\"version\":1}\n{\"t\":0,\"dir\":\"in\",\"session\":1,\"activity\":\"Text\",\"body\":[]}", `line 2: "body" is not a JSON object`},
		{"{\"format\":\"mluvii-recording\",\"version\":1}\n{\"t\":0,\"dir\":\"in\",\"session\":1,\"activity\":\"Text\",\"body\":{},\"token\":\"x\"}", `line 2: json: unknown field "token"`},
	} {
		_, err := ReadRecording(strings.NewReader(tc.file))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ReadRecording(%.60q) = %v, want an error with %q", tc.file, err, tc.want)
		}
	}
}

func TestRecorderOptions(t *testing.T) {
	t.Run("RecordRedact", func(t *testing.T) {
		file, _, _ := recordConversation(t, recordedBot, mluvii.RecordRedact("text", "callParams.order_no"))
		for _, s := range []string{"CZ-118", "What is your order number"} {
			if bytes.Contains(file, []byte(s)) {
				t.Errorf("redacted recording contains %q", s)
			}
		}
		if n := bytes.Count(file, []byte(`"REDACTED"`)); n < 6 {
			t.Errorf("%d REDACTED values:\n%s", n, file)
		}
	})
	t.Run("RecordMaxEntries", func(t *testing.T) {
		srv := NewServer(t)
		var buf bytes.Buffer
		rec := mluvii.NewRecorder(&buf, mluvii.RecordMaxEntries(3), mluvii.RecordLogger(slog.New(slog.DiscardHandler)))
		recordedBot.start(t, srv, rec)
		sess, _ := srv.StartConversation(mluvii.ChannelWebChat)
		sess.AssertBotSaid("Hello! What is your order number?")
		_ = sess.Text("CZ-1")
		sess.AssertBotSaid("Thanks, order CZ-1 is noted.")
		_ = rec.Close(context.Background())
		if n := bytes.Count(buf.Bytes(), []byte("\n")); n != 4 {
			t.Errorf("%d lines with RecordMaxEntries(3):\n%s", n, buf.Bytes())
		}
		if st := rec.Stats(); st.Written != 3 || st.OverLimit != 4 {
			t.Errorf("stats %+v", st)
		}
	})
	t.Run("NewSessionRecorder+RecordSessions", func(t *testing.T) {
		dir := t.TempDir()
		srv := NewServer(t)
		rec, err := mluvii.NewSessionRecorder(dir, mluvii.RecordSessions(7001, 7002))
		if err != nil {
			t.Fatal(err)
		}
		recordedBot.start(t, srv, rec)
		for _, id := range []int64{7001, 7002, 7003} {
			sess, err := srv.StartConversation(mluvii.ChannelWebChat, SessionID(id))
			if err != nil {
				t.Fatal(err)
			}
			sess.AssertBotSaid("Hello! What is your order number?")
		}
		if err := rec.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		entries, _ := os.ReadDir(dir)
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		if strings.Join(names, " ") != "7001.jsonl 7002.jsonl" {
			t.Fatalf("files %v", names)
		}
		for _, id := range []int64{7001, 7002} {
			r, err := OpenRecording(filepath.Join(dir, itoa(id)+".jsonl"))
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Entries) != 2 || r.Sessions()[0] != id {
				t.Errorf("session %d: %+v", id, r.Entries)
			}
			if st, _ := os.Stat(filepath.Join(dir, itoa(id)+".jsonl")); st.Mode().Perm() != 0o600 {
				t.Errorf("mode %v", st.Mode())
			}
		}
	})
}

// Activities the fake's spec does not know (an overlay's, say, recorded by a
// bot generated from a larger spec) are replayed and compared by name and
// body like any other.
func TestReplayActivitiesTheSpecLacks(t *testing.T) {
	const file = `{"format":"mluvii-recording","version":1}
{"t":0,"dir":"in","session":900,"activity":"ConversationStarted","status":200,"body":{"activity":"ConversationStarted","sessionId":900,"source":"WhatsApp"}}
{"t":5,"dir":"in","session":900,"activity":"GuestRatedChat","status":200,"body":{"activity":"GuestRatedChat","sessionId":900,"stars":5}}
{"t":9,"dir":"out","session":900,"activity":"Text","status":200,"body":{"activity":"Text","sessionId":900,"text":"5 stars, thanks!"}}
`
	srv := NewServer(t)
	d := mluvii.NewDispatcher(mluvii.WithDispatchLogger(nil))
	client := mluvii.NewClient(srv.URL, srv.ChatbotID, mluvii.WithClientCredentials(srv.ClientID, srv.ClientSecret), mluvii.WithDispatcher(d))
	d.OnUnknown(func(ctx context.Context, u *mluvii.Unknown) error {
		var m struct{ Stars int }
		if err := json.Unmarshal(u.Raw, &m); err != nil {
			return err
		}
		return client.SendText(ctx, u.SessionID, fmt.Sprintf("%d stars, thanks!", m.Stars))
	})
	srv.ServeBot(d, "/mluvii")
	tb := &captureTB{TB: t}
	Replay(tb, srv, strings.NewReader(file), ReplaySettle(0))
	if msg := tb.failure(); msg != "" {
		t.Fatal(msg)
	}
	if st := srv.Session(900).State(); st.Channel != "WhatsApp" {
		t.Errorf("the replayed session is on %q, want the recorded source's WhatsApp", st.Channel)
	}
}
