package mluviitest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	mluvii "github.com/mluviigen/mluviigen/templates/runtime"
)

// startStandalone serves a NewStandalone fake on a loopback port of its own,
// as cmd/mluvii-mock does.
func startStandalone(t *testing.T, logf func(string, ...any), opts ...Option) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := NewStandalone("http://"+ln.Addr().String(), logf, opts...)
	hs := &http.Server{Handler: s.Handler()}
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() {
		s.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(ctx)
	})
	return s
}

func TestStandaloneConversation(t *testing.T) {
	s := startStandalone(t, nil, WithChatbotID(77))
	if s.ChatbotID != 77 || !strings.HasPrefix(s.URL, "http://127.0.0.1:") {
		t.Fatalf("ChatbotID %d, URL %q", s.ChatbotID, s.URL)
	}
	newTestBot(t, s, func(b *testBot, a mluvii.Activity) {
		if txt, ok := a.(*mluvii.Text); ok {
			_ = b.send(txt.SessionID, "Text", map[string]any{"text": "echo: " + txt.Text})
		}
	})
	se, err := s.StartConversation(mluvii.ChannelWebChat)
	if err != nil {
		t.Fatal(err)
	}
	if err := se.Text("hi"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := se.WaitForText(ctx, "echo: hi"); err != nil {
		t.Fatal(err)
	}
	// The fake's own URLs (an upload prompt's file) are on the base URL given.
	tok := s.Token()
	b := &testBot{t: t, srv: s, client: http.DefaultClient, token: tok}
	if code, msg := b.mustPost(fmt.Sprintf(`{"activity":"ChatbotOpenFileUploadPrompt","sessionId":%d}`, se.ID())); code != 200 {
		t.Fatalf("ChatbotOpenFileUploadPrompt: %d %s", code, msg)
	}
	u, err := se.UploadToPrompt(File{Name: "a.txt", ContentType: "text/plain", Data: []byte("hello")})
	if err != nil {
		t.Fatal(err)
	}
	e, err := se.WaitDelivered(ctx, "ChatbotOpenFileUploadPromptResponse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u, s.URL+"/") || !strings.Contains(string(e.Body), `"fileUrl":"`+u+`"`) {
		t.Errorf("upload prompt answer %s: file URL %q not on %s", e.Body, u, s.URL)
	}
	if got := download(t, u); got != "hello" {
		t.Errorf("GET %s = %q", u, got)
	}
	s.Close()
	s.Close() // harmless
}

func TestStandaloneLogsFailedDeliveries(t *testing.T) {
	var mu sync.Mutex
	var logs []string
	logf := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		logs = append(logs, fmt.Sprintf(format, args...))
	}
	s := startStandalone(t, logf)
	newTestBot(t, s, func(b *testBot, a mluvii.Activity) {
		if txt, ok := a.(*mluvii.Text); ok {
			_ = b.send(txt.SessionID, "GetCallParams", nil)
		}
	}).setStatus(http.StatusInternalServerError)
	se, err := s.StartConversation(mluvii.ChannelWebChat)
	if err == nil {
		t.Fatal("StartConversation: no error although the bot answers 500")
	}
	s.Session(se.ID()).State() // the session exists all the same
	// An asynchronous delivery (a response) that fails is logged.
	s.SetCallbackURL("http://127.0.0.1:1/unreachable")
	tok := s.Token()
	b := &testBot{t: t, srv: s, client: http.DefaultClient, token: tok}
	if code, msg := b.mustPost(fmt.Sprintf(`{"activity":"GetCallParams","sessionId":%d}`, se.ID())); code != 200 {
		t.Fatalf("GetCallParams: %d %s", code, msg)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		got := strings.Join(logs, "\n")
		mu.Unlock()
		if strings.Contains(got, "GetCallParamsResponse") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no log of the failed delivery; logs:\n%s", got)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestWatch(t *testing.T) {
	s := startStandalone(t, nil)
	entries, changed := s.Watch(0)
	if len(entries) != 0 {
		t.Fatalf("Watch on a new server: %v", entries)
	}
	newTestBot(t, s, nil)
	done := make(chan *Session, 1)
	go func() {
		se, err := s.StartConversation(mluvii.ChannelWhatsApp)
		if err != nil {
			t.Error(err)
		}
		done <- se
	}()
	select {
	case <-changed:
	case <-time.After(5 * time.Second):
		t.Fatal("Watch's channel not closed by ConversationStarted")
	}
	se := <-done
	// Once StartConversation returned, the delivery's outcome is recorded.
	entries, changed = s.Watch(1)
	if len(entries) != 1 || entries[0].Name != "ConversationStarted" || entries[0].Status != 200 || entries[0].SessionID != se.ID() {
		t.Fatalf("Watch(1) = %v", entries)
	}
	if got, _ := s.Watch(2); len(got) != 0 {
		t.Fatalf("Watch(2) = %v", got)
	}
	if err := se.Text("hello"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-changed:
	default:
		t.Fatal("Watch's channel still open after a guest text")
	}
	entries, _ = s.Watch(2)
	if len(entries) != 1 || entries[0].Name != "Text" || entries[0].Dir != ToBot {
		t.Fatalf("Watch(2) = %v", entries)
	}
	if all, _ := s.Watch(-5); len(all) != 2 {
		t.Fatalf("Watch(-5) = %d entries, want 2", len(all))
	}
}
