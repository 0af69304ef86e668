package mluviitest

import (
	"context"
	"strings"
	"testing"
	"time"

	mluvii "github.com/mluviigen/mluviigen/templates/runtime"
)

// TestWaitForNamesRejectedSend: waiting for an activity the bot sent but
// mluvii rejected says so, instead of reading as if the bot sent nothing.
func TestWaitForNamesRejectedSend(t *testing.T) {
	srv := NewServer(t)
	srv.ServeBot(mluvii.NewDispatcher(mluvii.WithDispatchLogger(nil)), "/mluvii")
	fb, err := srv.StartConversation(mluvii.ChannelFacebook)
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := srv.botPost(t, body(fb, `{"activity":"Typing","sessionId":SID,"show":true}`)); code != 400 {
		t.Fatalf("Typing on Facebook: %d", code)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = fb.WaitFor(ctx, mluvii.ActivityTyping)
	if err == nil || !strings.Contains(err.Error(), "the bot sent Typing, and mluvii rejected it: 400 Typing is not supported on channel Facebook") {
		t.Errorf("WaitFor(Typing) after a rejected Typing: %v", err)
	}
}
