package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/mluviigen/mluviigen/generated/mluvii"
	"github.com/mluviigen/mluviigen/generated/mluvii/mluviitest"
)

// promptBot opens the upload dialog on "upload", asks for the location on
// "where", enables uploads on "clip" and hands off on "operator", saying
// what mluvii answered.
func promptBot(ctx context.Context, c *mluvii.Client, a *mluvii.Text) error {
	id := a.SessionID
	switch a.Text {
	case "upload":
		r, err := c.ChatbotOpenFileUploadPromptAndWait(ctx, id)
		if err != nil {
			return err
		}
		return c.SendText(ctx, id, fmt.Sprintf("upload: %q canceled=%v", r.FileURL, r.CanceledByGuest))
	case "where":
		r, err := c.RequestLocationAndWait(ctx, id, mluvii.WithText("Where?"))
		if err != nil {
			return err
		}
		return c.SendText(ctx, id, fmt.Sprintf("at %.1f,%.1f", r.Latitude, r.Longitude))
	case "clip":
		return c.EnableGuestUpload(ctx, id)
	case "operator":
		return c.HandOff(ctx, id)
	}
	return nil
}

func get(t *testing.T, u string) (int, http.Header, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// TestPromptsWaitForTheGuest: the upload dialog and the location request
// are answered when the guest acts through the page's API; the file the
// guest uploads is served at the URL the bot gets.
func TestPromptsWaitForTheGuest(t *testing.T) {
	m := startMock(t, config{})
	startBot(t, m, promptBot)
	id := start(t, m, mluvii.ChannelWebChat)
	ev := openEvents(t, m, fmt.Sprintf("?session=%d", id), nil)

	if code, res := post(t, m, "/chat/cancel", map[string]any{"sessionId": id, "kind": "upload"}); code != http.StatusConflict {
		t.Errorf("cancel without a prompt: %d %v", code, res)
	}
	post(t, m, "/chat/text", map[string]any{"sessionId": id, "text": "upload"})
	ev.state(func(s stateView) bool { return len(s.Prompts) == 1 && s.Prompts[0].Kind == "upload" })
	code, res := post(t, m, "/chat/upload", map[string]any{"sessionId": id, "fileName": "note.txt", "contentType": "text/plain",
		"data": []byte("hello, bot"), "prompt": true})
	if code != 200 {
		t.Fatalf("upload to the prompt: %d %v", code, res)
	}
	said := ev.entry(func(v entryView) bool { return v.Dir == "fromBot" && strings.HasPrefix(v.HTML, "upload: ") })
	u := between(said.Body, `upload: \"`, `\"`)
	if !strings.HasPrefix(u, m.cfg.baseURL+"/Storage/Get?") || !strings.Contains(said.Body, "canceled=false") {
		t.Fatalf("the bot got %s", said.Body)
	}
	if code, h, body := get(t, u); code != 200 || body != "hello, bot" || h.Get("Content-Type") != "text/plain" ||
		!strings.HasPrefix(h.Get("Content-Disposition"), "attachment") || !strings.Contains(h.Get("Content-Security-Policy"), "sandbox") {
		t.Errorf("GET %s: %d %q %v", u, code, body, h)
	}
	if code, _, _ := get(t, m.cfg.baseURL+"/Storage/Get?source=guestUpload&key=0123"); code != 404 {
		t.Errorf("an unknown key: %d", code)
	}

	post(t, m, "/chat/text", map[string]any{"sessionId": id, "text": "upload"})
	ev.state(func(s stateView) bool { return len(s.Prompts) == 1 })
	if code, res := post(t, m, "/chat/cancel", map[string]any{"sessionId": id, "kind": "upload"}); code != 200 {
		t.Fatalf("cancel: %d %v", code, res)
	}
	ev.entry(func(v entryView) bool { return v.Dir == "fromBot" && strings.Contains(v.Body, `canceled=true`) })

	post(t, m, "/chat/text", map[string]any{"sessionId": id, "text": "where"})
	ev.state(func(s stateView) bool {
		return len(s.Prompts) == 1 && s.Prompts[0].Kind == "location" && s.Prompts[0].Fields["text"] == "Where?"
	})
	post(t, m, "/chat/location", map[string]any{"sessionId": id, "latitude": 49.2, "longitude": 16.6})
	ev.entry(func(v entryView) bool { return v.Dir == "fromBot" && v.HTML == "at 49.2,16.6" })
	ev.state(func(s stateView) bool { return len(s.Prompts) == 0 })

	// The paper clip: refused until the bot enables uploads, then stored.
	clip := map[string]any{"sessionId": id, "fileName": "a.png", "contentType": "image/png", "data": []byte("PNG")}
	if code, res := post(t, m, "/chat/upload", clip); code != http.StatusConflict {
		t.Errorf("upload before EnableGuestUpload: %d %v", code, res)
	}
	post(t, m, "/chat/text", map[string]any{"sessionId": id, "text": "clip"})
	ev.state(func(s stateView) bool { return s.GuestUpload })
	if code, res := post(t, m, "/chat/upload", clip); code != 200 {
		t.Fatalf("upload: %d %v", code, res)
	}
	st := ev.state(func(s stateView) bool { return len(s.Uploads) == 2 })
	if f := st.Uploads[1]; f.Name != "a.png" || f.Size != 3 {
		t.Errorf("uploads = %+v", st.Uploads)
	}
	big := map[string]any{"sessionId": id, "fileName": "big", "data": make([]byte, mluviitest.DefaultMaxFileBytes+1)}
	if code, res := post(t, m, "/chat/upload", big); code != http.StatusRequestEntityTooLarge {
		t.Errorf("a file over the limit: %d %v", code, res)
	}
}

// TestMediaObjectsServed: /chat/info gives each media object's URL, and the
// mock serves its bytes there.
func TestMediaObjectsServed(t *testing.T) {
	m := startMock(t, config{})
	code, _, body := get(t, m.cfg.baseURL+"/chat/info")
	var info infoView
	if err := json.Unmarshal([]byte(body), &info); err != nil || code != 200 || len(info.MediaObjects) != 1 {
		t.Fatalf("info: %d %s", code, body)
	}
	u := info.MediaObjects[0].URL
	if code, h, body := get(t, u); code != 200 || !strings.HasPrefix(body, "%PDF-") || h.Get("Content-Type") != "application/pdf" {
		t.Errorf("GET %s: %d %v", u, code, h)
	}
}

// TestHandOffRouting: the state says who took the session, and the bot
// acting afterwards gets mluvii's 400.
func TestHandOffRoutingOnThePage(t *testing.T) {
	m := startMock(t, config{})
	startBot(t, m, promptBot)
	id := start(t, m, mluvii.ChannelWebChat)
	ev := openEvents(t, m, fmt.Sprintf("?session=%d", id), nil)
	post(t, m, "/chat/text", map[string]any{"sessionId": id, "text": "operator"})
	st := ev.state(func(s stateView) bool { return s.Routing != nil })
	if r := st.Routing; r.Outcome != "operator" || r.OperatorName != "Jana Nováková" || r.GroupName != "Support" || !st.Ended {
		t.Errorf("routing = %+v", r)
	}
}

func between(s, from, to string) string {
	_, rest, _ := strings.Cut(s, from)
	v, _, _ := strings.Cut(rest, to)
	return v
}
