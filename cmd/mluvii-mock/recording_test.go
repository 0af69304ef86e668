package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mluviigen/mluviigen/cmd/demobot/bot"
	"github.com/mluviigen/mluviigen/generated/mluvii"
	"github.com/mluviigen/mluviigen/generated/mluvii/mluviitest"
)

// chatWithDemobot has a conversation with cmd/demobot's bot through the
// page's API, waiting for the bot's answer to each step as a guest at the
// page does, and returns the session id.
func chatWithDemobot(t *testing.T, m *mock) int64 {
	t.Helper()
	id := start(t, m, mluvii.ChannelWebChat)
	se := m.fake.Session(id)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	wait := func(text string) {
		t.Helper()
		if _, err := se.WaitForText(ctx, text); err != nil {
			t.Fatal(err)
		}
	}
	wait("What shall we try?")
	for _, step := range []struct{ path, value, answer string }{
		{"/chat/click", "buttons", ""},
		{"/chat/click", "red", "You picked <strong>red</strong>."},
		{"/chat/text", "hello", "You said: <em>hello</em>"},
		{"/chat/text", "operator", ""},
	} {
		key := "text"
		if step.path == "/chat/click" {
			key = "value"
		}
		if code, res := post(t, m, step.path, map[string]any{"sessionId": id, key: step.value}); code != http.StatusOK {
			t.Fatalf("%s %q: %d %v", step.path, step.value, code, res)
		}
		switch {
		case step.answer != "":
			wait(step.answer)
		case step.value == "buttons":
			if _, err := se.WaitFor(ctx, "Message"); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := se.WaitFor(ctx, "HandOff"); err != nil {
		t.Fatal(err)
	}
	return id
}

// saveRecording is what the page's "Save conversation" downloads.
func saveRecording(t *testing.T, m *mock, id int64) []byte {
	t.Helper()
	resp, err := http.Get(fmt.Sprintf("%s/chat/recording?session=%d", m.cfg.baseURL, id))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	file, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /chat/recording: %s %s", resp.Status, file)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/x-ndjson; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if cd := resp.Header.Get("Content-Disposition"); cd != fmt.Sprintf(`attachment; filename="mluvii-session-%d.jsonl"`, id) {
		t.Errorf("Content-Disposition %q", cd)
	}
	return file
}

// replayDemobot replays file against a fresh demobot on mluviitest's fake
// and returns the failure ("" when it passed).
func replayDemobot(t *testing.T, file []byte, opts ...mluviitest.ReplayOption) string {
	t.Helper()
	srv := mluviitest.NewServer(t)
	b := bot.New(bot.Config{BaseURL: srv.URL, ChatbotID: srv.ChatbotID, ClientID: srv.ClientID,
		ClientSecret: srv.ClientSecret, CallbackSecret: "replay", Logger: slog.New(slog.DiscardHandler)})
	srv.ServeBot(b.Handler(), "/mluvii?secret=replay")
	tb := &failureTB{TB: t}
	mluviitest.Replay(tb, srv, bytes.NewReader(file), append([]mluviitest.ReplayOption{mluviitest.ReplayTimeout(2 * time.Second)}, opts...)...)
	return tb.String()
}

// failureTB collects a helper's Errorf instead of failing the test.
type failureTB struct {
	testing.TB
	mu   sync.Mutex
	msgs []string
}

func (f *failureTB) Helper() {}
func (f *failureTB) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.msgs = append(f.msgs, fmt.Sprintf(format, args...))
}
func (f *failureTB) String() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.msgs, "\n")
}

// TestSaveConversationReplays: a conversation with demobot on the mock,
// saved as the page saves it, replays against demobot in a test, and fails
// when the bot answers otherwise.
func TestSaveConversationReplays(t *testing.T) {
	m := startMock(t, config{})
	startDemobot(t, m)
	id := chatWithDemobot(t, m)
	file := saveRecording(t, m, id)
	if path := os.Getenv("MLUVII_MOCK_SAVE_RECORDING"); path != "" { // refreshes cmd/demobot/bot/testdata
		if err := os.WriteFile(path, file, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rec, err := mluviitest.ReadRecording(bytes.NewReader(file))
	if err != nil {
		t.Fatalf("%v\n%s", err, file)
	}
	if n := len(rec.Entries); n < 15 {
		t.Errorf("%d entries:\n%s", n, file)
	}
	for _, secret := range []string{m.cfg.clientSecret, "secret=e2e", "Bearer", "callback"} {
		if bytes.Contains(file, []byte(secret)) {
			t.Errorf("the saved conversation contains %q", secret)
		}
	}

	if msg := replayDemobot(t, file); msg != "" {
		t.Fatalf("replay against demobot failed:\n%s", msg)
	}

	// The bot answers otherwise (here: the recording says it did).
	changed := bytes.Replace(file, []byte("You picked <strong>red</strong>."), []byte("Red it is."), 1)
	msg := replayDemobot(t, changed)
	for _, want := range []string{
		fmt.Sprintf("session %d:", id),
		`~ Text (recorded at line `,
		`text: - "Red it is."`,
		`      + "You picked <strong>red</strong>."`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("the failure lacks %q:\n%s", want, msg)
		}
	}

	// Unknown and bad sessions.
	for q, want := range map[string]int{"session=1": 404, "session=x": 400, "": 400} {
		resp, err := http.Get(m.cfg.baseURL + "/chat/recording?" + q)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET /chat/recording?%s: %d, want %d", q, resp.StatusCode, want)
		}
	}
}
