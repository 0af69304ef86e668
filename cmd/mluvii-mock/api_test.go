package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mluviigen/mluviigen/generated/mluvii"
)

func echo(ctx context.Context, c *mluvii.Client, a *mluvii.Text) error {
	return c.SendText(ctx, a.SessionID, "echo: "+a.Text)
}

func TestInfo(t *testing.T) {
	m := startMock(t, config{chatbotID: 42, clientID: "id", clientSecret: "secret", callbackURL: "http://127.0.0.1:1/cb?secret=x"})
	resp, err := http.Get(m.cfg.baseURL + "/chat/info")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var info infoView
	if err := json.NewDecoder(resp.Body).Decode(&info); err != nil {
		t.Fatal(err)
	}
	if info.BaseURL != m.cfg.baseURL || info.ChatbotID != 42 || info.ClientID != "id" || info.ClientSecret != "secret" ||
		info.CallbackURL != "http://127.0.0.1:1/cb?secret=x" || info.DefaultChannel != "WebChat" {
		t.Errorf("info = %+v", info)
	}
	if len(info.Channels) != len(mluvii.AllChannels()) {
		t.Fatalf("%d channels, want %d", len(info.Channels), len(mluvii.AllChannels()))
	}
	// The restrictions are the spec's matrix: every activity the bot sends
	// that a channel does not plainly support, and only those.
	for _, ch := range info.Channels {
		got := map[string]string{}
		fields := map[string]string{}
		for _, r := range ch.Restrictions {
			switch {
			case r.Field == "":
				got[r.Activity] = r.Support
			case r.Activity != "":
				fields[r.Activity+"."+r.Field] = r.Support
			default:
				fields[r.Type+"."+r.Field] = r.Support
			}
		}
		// Then the fields with channel cells of their own (the spec says
		// Message.attachments and Card.buttons are "no" on WhatsApp).
		if ch.Name == string(mluvii.ChannelWhatsApp) && (fields["Message.attachments"] != "no" || fields["Card.buttons"] != "no") {
			t.Errorf("WhatsApp: field restrictions %v", fields)
		}
		if ch.Name == string(mluvii.ChannelWebChat) && len(fields) != 0 {
			t.Errorf("WebChat: field restrictions %v", fields)
		}
		for _, a := range mluvii.Activities() {
			want := string(a.SupportOn(mluvii.Channel(ch.Name)))
			if !a.Sent || want == "yes" {
				want = ""
			}
			if got[a.Name] != want {
				t.Errorf("%s: %s restriction %q, want %q", ch.Name, a.Name, got[a.Name], want)
			}
		}
	}
	if len(info.HeroCards) == 0 || len(info.HeroCards[0].Fields) == 0 {
		t.Errorf("hero cards = %+v", info.HeroCards)
	}
}

// TestConversation drives every guest action through the API and watches
// the bot's answers on the event stream.
func TestConversation(t *testing.T) {
	m := startMock(t, config{})
	startBot(t, m, echo)
	id := start(t, m, mluvii.ChannelWebChat)
	ev := openEvents(t, m, fmt.Sprintf("?session=%d", id), nil)

	started := ev.entry(named("toBot", "ConversationStarted"))
	if started.Status != 200 || started.SessionID != id || started.Pending {
		t.Errorf("ConversationStarted = %+v", started)
	}
	greet := ev.entry(named("fromBot", "Text"))
	if want := "Hi <strong>there</strong> &lt;script&gt;x()&lt;/script&gt;"; greet.HTML != want {
		t.Errorf("greeting html = %q, want %q", greet.HTML, want)
	}
	if !strings.Contains(greet.Body, "<script>") || !json.Valid(greet.Activity) {
		t.Errorf("greeting body %q, activity %s", greet.Body, greet.Activity)
	}
	ev.state(func(s stateView) bool { return s.SessionID == id && s.Channel == "WebChat" && s.GuestInput && !s.Ended })

	for _, step := range []struct {
		path string
		body map[string]any
		want string // what the bot gets
	}{
		{"/chat/text", map[string]any{"text": "hello"}, `"text":"hello"`},
		{"/chat/click", map[string]any{"value": "red"}, `"text":"red"`},
		{"/chat/submit", map[string]any{"params": map[string]string{"email": "a@b.cz"}}, `"params":{"email":"a@b.cz"}`},
		{"/chat/location", map[string]any{"latitude": 49.2, "longitude": 16.6}, `"latitude":49.2`},
	} {
		step.body["sessionId"] = id
		if code, res := post(t, m, step.path, step.body); code != 200 {
			t.Fatalf("POST %s: %d %v", step.path, code, res)
		}
		got := ev.entry(func(v entryView) bool { return v.Dir == "toBot" && !v.Pending && strings.Contains(v.Body, step.want) })
		if got.Status != 200 {
			t.Errorf("POST %s delivered %+v", step.path, got)
		}
	}
	echoed := ev.entry(func(v entryView) bool { return v.Dir == "fromBot" && v.HTML == "echo: red" })
	if echoed.Status != 200 {
		t.Errorf("echo = %+v", echoed)
	}

	code, res := post(t, m, "/chat/end", map[string]any{"sessionId": id})
	if code != 200 || res["state"].(map[string]any)["ended"] != true {
		t.Fatalf("end: %d %v", code, res)
	}
	ev.entry(named("toBot", "ConversationEnded"))
	ev.state(func(s stateView) bool { return s.Ended && s.EndedBy == "guest" })
	if code, res := post(t, m, "/chat/text", map[string]any{"sessionId": id, "text": "still there?"}); code != http.StatusConflict {
		t.Errorf("text after the end: %d %v", code, res)
	}
}

func TestBadRequests(t *testing.T) {
	m := startMock(t, config{})
	startBot(t, m, echo)
	id := start(t, m, mluvii.ChannelWebChat)
	for _, tt := range []struct {
		path, body string
		status     int
		msg        string
	}{
		{"/chat/start", `{"channel":"Telegram"}`, 400, "unknown channel"},
		{"/chat/start", `{"chanel":"WebChat"}`, 400, "unknown field"},
		{"/chat/start", `not json`, 400, "bad JSON"},
		{"/chat/start", `{} {}`, 400, "more than one"},
		{"/chat/text", fmt.Sprintf(`{"sessionId":%d,"text":"  "}`, id), 400, "empty"},
		{"/chat/text", `{"sessionId":1,"text":"hi"}`, 404, "no session 1"},
		{"/chat/click", fmt.Sprintf(`{"sessionId":%d}`, id), 400, "value is empty"},
		{"/chat/upload", fmt.Sprintf(`{"sessionId":%d,"fileName":"a.pdf"}`, id), 409, "upload is disabled"},
		{"/chat/upload", fmt.Sprintf(`{"sessionId":%d}`, id), 400, "fileName"},
		{"/chat/location", fmt.Sprintf(`{"sessionId":%d,"latitude":91,"longitude":0}`, id), 400, "latitude"},
	} {
		resp, err := http.Post(m.cfg.baseURL+tt.path, "application/json", strings.NewReader(tt.body))
		if err != nil {
			t.Fatal(err)
		}
		res := decodeBody(t, resp.Body)
		resp.Body.Close()
		if msg, _ := res["error"].(string); resp.StatusCode != tt.status || !strings.Contains(msg, tt.msg) {
			t.Errorf("POST %s %s: %d %q, want %d and %q", tt.path, tt.body, resp.StatusCode, msg, tt.status, tt.msg)
		}
	}
	// A cross-site form cannot post: only JSON is taken.
	resp, err := http.Post(m.cfg.baseURL+"/chat/text", "application/x-www-form-urlencoded", strings.NewReader("text=hi"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("form post: %d", resp.StatusCode)
	}
	for _, q := range []string{"?session=x", "?session=7"} {
		resp, err := http.Get(m.cfg.baseURL + "/events" + q)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 && resp.StatusCode != 404 {
			t.Errorf("GET /events%s: %d", q, resp.StatusCode)
		}
	}
}

// TestUnsupportedActivityShowsThe400: what the channel does not support is
// rejected by the fake, and the page sees the 400 with mluvii's reason.
func TestUnsupportedActivityShowsThe400(t *testing.T) {
	info, _ := mluvii.LookupActivity(mluvii.ActivityRichCardList)
	if info.SupportOn(mluvii.ChannelWhatsApp) != mluvii.SupportNo {
		t.Fatal("the spec no longer says RichCardList is unsupported on WhatsApp; pick another pair")
	}
	m := startMock(t, config{})
	startBot(t, m, func(ctx context.Context, c *mluvii.Client, a *mluvii.Text) error {
		err := c.SendRichCardList(ctx, a.SessionID, []mluvii.RichCard{{ContentType: "application/vnd.microsoft.card.hero", Content: json.RawMessage(`{"title":"t"}`)}})
		if err == nil {
			return c.SendText(ctx, a.SessionID, "cards sent")
		}
		return c.SendText(ctx, a.SessionID, "mluvii said: "+err.Error())
	})
	id := start(t, m, mluvii.ChannelWhatsApp)
	ev := openEvents(t, m, fmt.Sprintf("?session=%d", id), nil)
	if code, res := post(t, m, "/chat/text", map[string]any{"sessionId": id, "text": "cards please"}); code != 200 {
		t.Fatalf("text: %d %v", code, res)
	}
	rej := ev.entry(named("fromBot", "RichCardList"))
	if rej.Status != http.StatusBadRequest || len(rej.Problems) == 0 || !strings.Contains(rej.Problems[0], "not supported on channel WhatsApp") {
		t.Errorf("RichCardList on WhatsApp = %+v", rej)
	}
	said := ev.entry(func(v entryView) bool { return v.Dir == "fromBot" && strings.HasPrefix(v.HTML, "mluvii said") })
	if !strings.Contains(said.HTML, "400") {
		t.Errorf("the bot's client did not see the 400: %q", said.HTML)
	}
}

// TestBotDown: the conversation starts even when the bot cannot be reached;
// the API says 502 and the stream shows why.
func TestBotDown(t *testing.T) {
	m := startMock(t, config{callbackURL: "http://127.0.0.1:1/unreachable"})
	code, res := post(t, m, "/chat/start", map[string]any{})
	if code != http.StatusBadGateway || res["sessionId"] == nil || !strings.Contains(res["error"].(string), "ConversationStarted") {
		t.Fatalf("start with the bot down: %d %v", code, res)
	}
	ev := openEvents(t, m, "?session="+res["sessionId"].(json.Number).String(), nil)
	e := ev.entry(named("toBot", "ConversationStarted"))
	if e.Error == "" || e.Pending || e.Status != 0 {
		t.Errorf("ConversationStarted = %+v", e)
	}
}

// TestEventsPendingAndResume: a delivery shows at once as pending and again
// with the bot's answer; a reconnect with Last-Event-ID resumes after it; the
// stream without a session has every session.
func TestEventsPendingAndResume(t *testing.T) {
	m := startMock(t, config{})
	release := make(chan struct{})
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if strings.Contains(string(body), `"text":"slow"`) {
			<-release
		}
	})
	srv := startHTTP(t, slow)
	m.fake.SetCallbackURL(srv)
	all := openEvents(t, m, "", nil)
	a, b := start(t, m, mluvii.ChannelWebChat), start(t, m, mluvii.ChannelFacebook)
	all.entry(func(v entryView) bool { return v.SessionID == a })
	all.entry(func(v entryView) bool { return v.SessionID == b })

	ev := openEvents(t, m, fmt.Sprintf("?session=%d", a), nil)
	done := make(chan int)
	go func() {
		resp, err := http.Post(m.cfg.baseURL+"/chat/text", "application/json",
			strings.NewReader(fmt.Sprintf(`{"sessionId":%d,"text":"slow"}`, a)))
		if err != nil {
			done <- 0
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	first := ev.entry(func(v entryView) bool { return v.Dir == "toBot" && v.Name == "Text" })
	if !first.Pending || first.Status != 0 {
		t.Errorf("first sight of a delivery in flight = %+v", first)
	}
	close(release)
	again := ev.entry(named("toBot", "Text"))
	if again.Seq != first.Seq || again.Pending || again.Status != 200 {
		t.Errorf("outcome = %+v (first %+v)", again, first)
	}
	if code := <-done; code != 200 {
		t.Errorf("text: %d", code)
	}
	if code, _ := post(t, m, "/chat/text", map[string]any{"sessionId": a, "text": "next"}); code != 200 {
		t.Fatalf("text: %d", code)
	}
	resumed := openEvents(t, m, fmt.Sprintf("?session=%d", a), http.Header{"Last-Event-Id": {fmt.Sprint(again.Seq)}})
	next := resumed.entry(func(entryView) bool { return true })
	if next.Seq <= again.Seq || !strings.Contains(next.Body, `"next"`) {
		t.Errorf("after Last-Event-ID %d came %+v", again.Seq, next)
	}
}

// startHTTP serves h on loopback and returns its URL.
func startHTTP(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := &http.Server{Handler: h}
	ln := listen(t)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String() + "/"
}

func TestPage(t *testing.T) {
	m := startMock(t, config{})
	for path, want := range map[string]string{
		"/":               "text/html",
		"/static/app.js":  "javascript",
		"/static/app.css": "text/css",
	} {
		resp, err := http.Get(m.cfg.baseURL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), want) || len(body) == 0 {
			t.Errorf("GET %s: %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
			t.Errorf("GET %s: Content-Security-Policy %q", path, csp)
		}
	}
	// Works offline: the page loads nothing from another host.
	external := regexp.MustCompile(`(?i)(src|href)\s*=\s*["']?(https?:)?//|@import|url\(\s*["']?(https?:)?//`)
	for _, name := range []string{"web/index.html", "web/app.js", "web/app.css"} {
		b, err := webFiles.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if loc := external.FindIndex(b); loc != nil {
			t.Errorf("%s loads from another host: %q", name, b[loc[0]:min(loc[1]+40, len(b))])
		}
	}
	// The fake's own endpoints are served too.
	resp, err := http.PostForm(m.cfg.baseURL+"/login/connect/token", map[string][]string{
		"grant_type": {"client_credentials"}, "client_id": {m.cfg.clientID}, "client_secret": {m.cfg.clientSecret}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("token endpoint: %d", resp.StatusCode)
	}
}

// TestWorldCallParams: the world's call parameters and language are every
// new session's.
func TestWorldCallParams(t *testing.T) {
	w := defaultWorld()
	w.CallParams = map[string]string{"customerId": "42"}
	w.Language = "en"
	m := startMock(t, config{world: w})
	startBot(t, m, func(ctx context.Context, c *mluvii.Client, a *mluvii.Text) error {
		wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		p, err := c.GetCallParamsAndWait(wctx, a.SessionID)
		if err != nil {
			return err
		}
		return c.SendText(ctx, a.SessionID, a.Language+" customerId="+p.CallParams["customerId"])
	})
	id := start(t, m, mluvii.ChannelWebChat)
	ev := openEvents(t, m, fmt.Sprintf("?session=%d", id), nil)
	post(t, m, "/chat/text", map[string]any{"sessionId": id, "text": "params?"})
	if got := ev.entry(func(v entryView) bool { return v.Dir == "fromBot" && strings.Contains(v.HTML, "customerId") }); got.HTML != "en customerId=42" {
		t.Errorf("bot said %q", got.HTML)
	}
}
