package mluviitest

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// download GETs a URL and returns the body; anything but 200 fails the test.
func download(t testing.TB, u string) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s %s", u, resp.Status, b)
	}
	return string(b)
}

const openPrompt = `{"activity":"ChatbotOpenFileUploadPrompt","sessionId":SID}`

// TestUploadPromptWaitsForTheGuest: the answer comes when the guest uploads,
// with the URL where the fake serves the file's bytes.
func TestUploadPromptWaitsForTheGuest(t *testing.T) {
	srv, _, sess := start(t)
	if code, msg := srv.botPost(t, body(sess, openPrompt)); code != 200 {
		t.Fatalf("prompt: %d %s", code, msg)
	}
	ps := sess.Prompts()
	if len(ps) != 1 || ps[0].Kind != PromptUpload || ps[0].Request != "ChatbotOpenFileUploadPrompt" ||
		ps[0].Response != "ChatbotOpenFileUploadPromptResponse" || ps[0].ID == 0 {
		t.Fatalf("Prompts() = %+v", ps)
	}
	if st := sess.State(); len(st.Prompts) != 1 {
		t.Errorf("State().Prompts = %+v", st.Prompts)
	}
	time.Sleep(50 * time.Millisecond)
	for _, e := range sess.Transcript() {
		if e.Name == "ChatbotOpenFileUploadPromptResponse" {
			t.Fatalf("answered before the guest acted: %s", e.Body)
		}
	}
	u, err := sess.UploadToPrompt(File{Name: "../../etc/photo.png", ContentType: "image/png", Data: []byte("\x89PNG...")})
	if err != nil {
		t.Fatal(err)
	}
	e := waitDelivered(t, sess, "ChatbotOpenFileUploadPromptResponse")
	if !strings.Contains(string(e.Body), `"fileUrl":"`+u+`","canceledByGuest":false`) {
		t.Errorf("answer %s, want fileUrl %s", e.Body, u)
	}
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	h := resp.Header
	if resp.StatusCode != 200 || string(data) != "\x89PNG..." || h.Get("Content-Type") != "image/png" ||
		h.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(h.Get("Content-Security-Policy"), "sandbox") ||
		h.Get("Content-Disposition") != `inline; filename=photo.png` {
		t.Errorf("GET %s: %s %q %v", u, resp.Status, data, h)
	}
	st := sess.State()
	if len(st.Prompts) != 0 || len(st.Uploads) != 1 || st.Uploads[0].URL != u || st.Uploads[0].Name != "photo.png" || st.Uploads[0].Size != 7 {
		t.Errorf("state after the upload: prompts %+v, uploads %+v", st.Prompts, st.Uploads)
	}
	if f, ok := srv.StoredFile(u); !ok || f.Name != "photo.png" || string(f.Data) != "\x89PNG..." {
		t.Errorf("StoredFile(%s) = %+v, %v", u, f, ok)
	}
	if _, err := sess.UploadToPrompt(File{Name: "b"}); err == nil || !strings.Contains(err.Error(), "no pending prompt") {
		t.Errorf("a second upload without a prompt: %v", err)
	}
}

func TestUploadPromptCanceled(t *testing.T) {
	srv, _, sess := start(t)
	if err := sess.CancelPrompt(PromptUpload); err == nil {
		t.Error("CancelPrompt without a prompt: no error")
	}
	srv.botPost(t, body(sess, openPrompt))
	if err := sess.CancelPrompt(PromptUpload); err != nil {
		t.Fatal(err)
	}
	e := waitDelivered(t, sess, "ChatbotOpenFileUploadPromptResponse")
	if !strings.Contains(string(e.Body), `"fileUrl":null,"canceledByGuest":true`) {
		t.Errorf("canceled answer %s", e.Body)
	}
}

// TestAutoAnswer: WithAutoAnswer answers at once with a stored stand-in
// file, as the fake did before prompts waited for the guest.
func TestAutoAnswer(t *testing.T) {
	srv, _, sess := start(t, WithAutoAnswer())
	srv.botPost(t, body(sess, openPrompt))
	e := waitDelivered(t, sess, "ChatbotOpenFileUploadPromptResponse")
	if len(sess.Prompts()) != 0 {
		t.Errorf("pending under WithAutoAnswer: %+v", sess.Prompts())
	}
	u := between(string(e.Body), `"fileUrl":"`, `"`)
	if got := download(t, u); !strings.Contains(got, "WithAutoAnswer") {
		t.Errorf("the stand-in file at %s: %q", u, got)
	}
}

func between(s, from, to string) string {
	_, rest, _ := strings.Cut(s, from)
	v, _, _ := strings.Cut(rest, to)
	return v
}

// TestPromptResponderAnswersAtOnce: a Responder set for the prompt answers
// it, without the guest.
func TestPromptResponderAnswersAtOnce(t *testing.T) {
	srv, _, sess := start(t, WithResponder("ChatbotOpenFileUploadPrompt", func(*Request) map[string]any {
		return map[string]any{"fileUrl": "https://files.example/x.pdf", "canceledByGuest": false}
	}))
	srv.botPost(t, body(sess, openPrompt))
	if e := waitDelivered(t, sess, "ChatbotOpenFileUploadPromptResponse"); !strings.Contains(string(e.Body), "x.pdf") {
		t.Errorf("answer %s", e.Body)
	}
}

// TestPromptsEndWithTheSession: an ended session has no prompts to answer.
func TestPromptsEndWithTheSession(t *testing.T) {
	srv, _, sess := start(t)
	srv.botPost(t, body(sess, openPrompt))
	srv.botPost(t, body(sess, `{"activity":"HandOff","sessionId":SID}`))
	if ps := sess.Prompts(); len(ps) != 0 {
		t.Errorf("prompts after the end: %+v", ps)
	}
	if _, err := sess.UploadToPrompt(File{Name: "a"}); err == nil || !strings.Contains(err.Error(), "has ended") {
		t.Errorf("UploadToPrompt after the end: %v", err)
	}
}

// TestPromptsBounded: a bot opening prompts without end keeps the last few.
func TestPromptsBounded(t *testing.T) {
	srv, _, sess := start(t)
	for range maxPrompts + 5 {
		srv.botPost(t, body(sess, openPrompt))
	}
	if n := len(sess.Prompts()); n != maxPrompts {
		t.Errorf("%d prompts pending, want %d", n, maxPrompts)
	}
}

// TestFileLimits: a file over the size bound is refused (the prompt stays),
// and beyond the count the oldest is forgotten: its URL answers 404.
func TestFileLimits(t *testing.T) {
	srv, _, sess := start(t, WithFileLimits(10, 0, 2))
	srv.botPost(t, body(sess, openPrompt))
	if _, err := sess.UploadToPrompt(File{Name: "big", Data: make([]byte, 11)}); !errors.Is(err, ErrFileTooLarge) {
		t.Fatalf("11 bytes over a bound of 10: %v", err)
	}
	if len(sess.Prompts()) != 1 {
		t.Fatal("the prompt went with the refused file")
	}
	var urls []string
	for i := range 3 {
		srv.botPost(t, body(sess, openPrompt))
		for len(sess.Prompts()) > 1 {
			u, err := sess.UploadToPrompt(File{Name: "f", Data: []byte{byte('a' + i)}})
			if err != nil {
				t.Fatal(err)
			}
			urls = append(urls, u)
		}
	}
	if len(urls) != 3 {
		t.Fatalf("uploads: %v", urls)
	}
	resp, err := http.Get(urls[0])
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("the oldest upload beyond 2 files: %s, want 404", resp.Status)
	}
	if got := download(t, urls[2]); got != "c" {
		t.Errorf("newest upload = %q", got)
	}
	if n := len(sess.State().Uploads); n != 2 {
		t.Errorf("state lists %d uploads, want 2", n)
	}
	for _, u := range []string{srv.URL + "/Storage/Get?key=nope", srv.URL + "/Storage/Get?key=../../etc/passwd", srv.URL + "/Storage/Get"} {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 404 {
			t.Errorf("GET %s: %s, want 404", u, resp.Status)
		}
	}
}

// TestReleasedSessionsFilesGo: a released session's uploads are forgotten.
func TestReleasedSessionsFilesGo(t *testing.T) {
	srv, _, sess := start(t, WithEndedSessionsKept(0))
	srv.botPost(t, body(sess, openPrompt))
	u, err := sess.UploadToPrompt(File{Name: "a", Data: []byte("x")})
	if err != nil {
		t.Fatal(err)
	}
	srv.botPost(t, body(sess, `{"activity":"HandOff","sessionId":SID}`))
	if _, ok := srv.StoredFile(u); ok {
		t.Error("the released session's upload is still served")
	}
}

func TestMediaObjectURL(t *testing.T) {
	srv := NewServer(t, WithMediaObjects(MediaObject{ID: 7, Name: "terms.txt", ContentType: "text/plain", Data: []byte("terms")}))
	u, ok := srv.MediaObjectURL("terms.txt")
	if !ok || download(t, u) != "terms" {
		t.Errorf("MediaObjectURL = %q, %v", u, ok)
	}
	if _, ok := srv.MediaObjectURL("nope"); ok {
		t.Error("an unknown media object has a URL")
	}
	if u, ok := NewServer(t).MediaObjectURL("pricelist.pdf"); !ok || !strings.HasPrefix(download(t, u), "%PDF-") {
		t.Error("the default world's pricelist.pdf is not served")
	}
}

func TestFileName(t *testing.T) {
	for in, want := range map[string]string{
		"a.pdf": "a.pdf", "../../x.txt": "x.txt", `C:\Users\x\y.doc`: "y.doc", "": "file", "..": "file",
		"a\x00b\nc": "abc", strings.Repeat("é", 200): strings.Repeat("é", 127),
	} {
		if got := fileName(in); got != want {
			t.Errorf("fileName(%q) = %q, want %q", in, got, want)
		}
	}
	if got := contentType("not a type"); got != "application/octet-stream" {
		t.Errorf("contentType = %q", got)
	}
}

// TestFileNameFormatCharacters: format characters (a right-to-left
// override that would show a .html as .png) are taken out of file names.
func TestFileNameFormatCharacters(t *testing.T) {
	if got := fileName("ű\u202egnp.html"); got != "űgnp.html" {
		t.Errorf("fileName = %q", got)
	}
}
