package bot_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mluviigen/mluviigen/cmd/demobot/bot"
	"github.com/mluviigen/mluviigen/generated/mluvii"
	"github.com/mluviigen/mluviigen/generated/mluvii/mluviitest"
)

const secret = "demo-secret"

// newBot runs the demo bot against a fresh fake mluvii.
func newBot(t *testing.T, opts ...mluviitest.Option) *mluviitest.Server {
	t.Helper()
	return newBotWait(t, 5*time.Second, opts...)
}

// newBotWait is newBot with the bot waiting at most wait for the guest's answers.
func newBotWait(t *testing.T, wait time.Duration, opts ...mluviitest.Option) *mluviitest.Server {
	t.Helper()
	s := mluviitest.NewServer(t, opts...)
	b := bot.New(bot.Config{
		BaseURL: s.URL, ChatbotID: s.ChatbotID, ClientID: s.ClientID, ClientSecret: s.ClientSecret,
		CallbackSecret: secret, Logger: slog.New(slog.DiscardHandler), WaitTimeout: 5 * time.Second, PromptTimeout: wait,
	})
	ts := httptest.NewServer(b.Handler())
	t.Cleanup(func() {
		ts.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := b.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	s.SetCallbackURL(ts.URL + "/mluvii?secret=" + secret)
	t.Cleanup(s.AssertNoRejections)
	return s
}

func startChat(t *testing.T, s *mluviitest.Server, ch mluvii.Channel) *mluviitest.Session {
	t.Helper()
	se, err := s.StartConversation(ch)
	if err != nil {
		t.Fatal(err)
	}
	se.AssertBotSaid(bot.Greeting)
	m := se.ExpectMessage()
	if m.SuggestedActions == nil || len(m.SuggestedActions.Actions) != 3 {
		t.Fatalf("greeting's suggested actions = %+v", m.SuggestedActions)
	}
	return se
}

func say(t *testing.T, se *mluviitest.Session, text string) {
	t.Helper()
	if err := se.Text(text); err != nil {
		t.Fatal(err)
	}
}

func TestEcho(t *testing.T) {
	s := newBot(t)
	se := startChat(t, s, mluvii.ChannelWebChat)
	say(t, se, "<b>hi</b> & bye")
	se.ExpectTyping()
	se.AssertBotSaid("You said: <em>&lt;b&gt;hi&lt;/b&gt; &amp; bye</em>")
}

func TestButtons(t *testing.T) {
	s := newBot(t)
	se := startChat(t, s, mluvii.ChannelWebChat)
	say(t, se, "Buttons")
	m := se.ExpectMessage()
	if len(m.Attachments) != 1 || m.Attachments[0].ContentType != "application/vnd.microsoft.card.hero" ||
		len(m.Attachments[0].Content.Buttons) != 3 {
		t.Fatalf("buttons message = %+v", m)
	}
	b := m.Attachments[0].Content.Buttons[0]
	if b.Type != "imBack" || string(b.Value) != `"red"` {
		t.Fatalf("first button = %+v", b)
	}
	if err := se.Click("red"); err != nil {
		t.Fatal(err)
	}
	se.AssertBotSaid("You picked <strong>red</strong>.")
	// The session's state remembers the pick and counts the messages
	// ("buttons", the click, "recap").
	say(t, se, "recap")
	se.AssertBotSaid("Messages so far: 3. Colour picked: red.")
}

// TestRecapIsPerSession: each conversation has its own state.
func TestRecapIsPerSession(t *testing.T) {
	s := newBot(t)
	first := startChat(t, s, mluvii.ChannelWebChat)
	second := startChat(t, s, mluvii.ChannelWebChat)
	say(t, first, "blue")
	first.AssertBotSaid("You picked <strong>blue</strong>.")
	say(t, second, "recap")
	second.AssertBotSaid("Messages so far: 1. Colour picked: none yet.")
}

func TestCarousel(t *testing.T) {
	s := newBot(t)
	se := startChat(t, s, mluvii.ChannelWebChat)
	say(t, se, "carousel")
	rc := se.ExpectRichCardList()
	if len(rc.Items) != 3 || rc.Layout != mluvii.RichCardLayoutCarousel {
		t.Fatalf("carousel = %+v", rc)
	}
}

// TestCarouselUnsupported: on WhatsApp mluvii rejects the RichCardList and
// the bot falls back to text.
func TestCarouselUnsupported(t *testing.T) {
	s := mluviitest.NewServer(t) // separate: this test expects a rejection
	b := bot.New(bot.Config{BaseURL: s.URL, ChatbotID: s.ChatbotID, ClientID: s.ClientID, ClientSecret: s.ClientSecret,
		Logger: slog.New(slog.DiscardHandler)})
	ts := httptest.NewServer(b.Handler())
	defer ts.Close()
	s.SetCallbackURL(ts.URL)
	se, err := s.StartConversation(mluvii.ChannelWhatsApp)
	if err != nil {
		t.Fatal(err)
	}
	say(t, se, "carousel")
	se.AssertBotSaid("This channel shows no carousels (mluvii answered 400). Type red, green or blue.")
	if rej := s.Rejected(); len(rej) != 1 || rej[0].Name != mluvii.ActivityRichCardList {
		t.Errorf("rejected = %v", rej)
	}
	// No typing indicator where the channel has none.
	say(t, se, "hello")
	se.AssertBotSaid("You said: <em>hello</em>")
	for _, e := range se.Transcript() {
		if e.Name == mluvii.ActivityTyping && e.Status != 200 {
			t.Errorf("typing sent on WhatsApp: %v", e)
		}
	}
}

func TestHeroCard(t *testing.T) {
	s := newBot(t)
	se := startChat(t, s, mluvii.ChannelWebChat)
	say(t, se, "card")
	se.ExpectGetHeroCards()
	hc := se.ExpectSendHeroCard()
	if hc.HeroCardID != 1 || hc.SelectedLanguage != "cs" {
		t.Errorf("SendHeroCard = %+v", hc)
	}
	if err := se.SubmitHeroCard(map[string]string{"name": "Jan", "email": "jan@example.com"}); err != nil {
		t.Fatal(err)
	}
	se.AssertBotSaid("Thanks! The card said: email=jan@example.com, name=Jan")
	if got := se.State().HeroCardsSent; len(got) != 1 || got[0] != 1 {
		t.Errorf("hero cards sent = %v", got)
	}
}

func TestOperatorOnline(t *testing.T) {
	s := newBot(t)
	se := startChat(t, s, mluvii.ChannelWebChat)
	say(t, se, "operator")
	se.ExpectGetAvailableGroups()
	set := se.ExpectSetCallParams()
	if set.CallParams["demobot_handoff_group"] != "1" {
		t.Errorf("SetCallParams = %v", set.CallParams)
	}
	se.AssertBotSaid("Connecting you to <strong>Support</strong>…")
	se.ExpectHandOff()
	st := se.State()
	if !st.Ended || st.EndedBy != "HandOff" || st.CallParams["demobot_handoff"] == "" {
		t.Errorf("state after the handoff = %+v", st)
	}
	// The fake's routing: Support is online and Jana takes the session over.
	if r := st.Routing; r == nil || r.Outcome != mluviitest.RoutedToOperator || r.GroupID != 1 || r.OperatorName != "Jana Nováková" {
		t.Errorf("routing = %+v", r)
	}
}

func TestOperatorOffline(t *testing.T) {
	s := newBot(t, mluviitest.WithGroups(
		mluviitest.Group{ID: 2, Name: "Sales", State: "OFFLINE", OfflineReasons: []string{"BUSINESS_HOURS"}},
		mluviitest.Group{ID: 3, Name: "Busy", State: "BUSY"},
	))
	se := startChat(t, s, mluvii.ChannelWebChat)
	say(t, se, "operator")
	se.ExpectGetAvailableGroups()
	se.AssertBotSaid("No operator is online right now. We will answer you by e-mail.")
	mail := se.ExpectSendGuestOfflineEmail()
	if mail.Subject == "" || mail.Message == "" {
		t.Errorf("offline e-mail = %+v", mail)
	}
	if st := se.State(); st.Ended || len(st.OfflineEmails) != 1 {
		t.Errorf("state = %+v", st)
	}
	for _, e := range se.Pending() {
		if e.Name == mluvii.ActivityHandOff {
			t.Error("handed off with no group online")
		}
	}
}

func TestFileAndLocation(t *testing.T) {
	s := newBot(t)
	se := startChat(t, s, mluvii.ChannelWebChat)
	say(t, se, "file")
	se.ExpectEnableGuestUpload()
	se.AssertBotSaid("Attach a file with the paper clip, and I will tell you what I got.")
	if !se.State().GuestUpload {
		t.Error("upload not enabled")
	}
	// A real file, stored by the fake: the bot downloads it.
	if _, err := se.Upload(mluviitest.File{Name: "a.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.4\n")}); err != nil {
		t.Fatal(err)
	}
	se.AssertBotSaid("Got your file: 9 bytes of application/pdf.")
	// A file elsewhere is not fetched.
	if err := se.UploadFile("https://files.example.com/a&b.pdf"); err != nil {
		t.Fatal(err)
	}
	se.AssertBotSaid("Got your file: https://files.example.com/a&amp;b.pdf")

	// The location request waits for the guest, as in mluvii.
	say(t, se, "location")
	if rl := se.ExpectRequestLocation(); rl.Text == "" {
		t.Errorf("RequestLocation = %+v", rl)
	}
	if p := se.Prompts(); len(p) != 1 || p[0].Kind != mluviitest.PromptLocation || p[0].Fields["text"] != "May I see where you are?" {
		t.Fatalf("prompts = %+v", p)
	}
	if err := se.SendLocation(49.1951, 16.6068); err != nil {
		t.Fatal(err)
	}
	se.AssertBotSaid("You are at 49.19510, 16.60680.")
}

// TestUploadPrompt: the upload dialog's answer comes when the guest
// uploads (the bot downloads the file) or closes it.
func TestUploadPrompt(t *testing.T) {
	s := newBot(t)
	se := startChat(t, s, mluvii.ChannelWebChat)
	say(t, se, "upload")
	se.ExpectChatbotOpenFileUploadPrompt()
	if _, err := se.UploadToPrompt(mluviitest.File{Name: "note.txt", ContentType: "text/plain", Data: []byte("hello")}); err != nil {
		t.Fatal(err)
	}
	se.AssertBotSaid("Got your file: 5 bytes of text/plain.")
	say(t, se, "upload")
	se.ExpectChatbotOpenFileUploadPrompt()
	if err := se.CancelPrompt(mluviitest.PromptUpload); err != nil {
		t.Fatal(err)
	}
	se.AssertBotSaid("You closed the upload dialog.")
}

// TestLocationDeclined: a guest who declines leaves the bot's wait to time out.
func TestLocationDeclined(t *testing.T) {
	s := newBotWait(t, 300*time.Millisecond)
	se := startChat(t, s, mluvii.ChannelWebChat)
	say(t, se, "location")
	se.ExpectRequestLocation()
	if err := se.CancelPrompt(mluviitest.PromptLocation); err != nil {
		t.Fatal(err)
	}
	se.AssertBotSaid("You did not share a location.")
}

func TestBye(t *testing.T) {
	s := newBot(t)
	se := startChat(t, s, mluvii.ChannelWebChat)
	say(t, se, "bye")
	se.AssertBotSaid("Bye! 👋")
	se.ExpectEndConversation()
	if st := se.State(); !st.Ended || st.EndedBy != "EndConversation" {
		t.Errorf("state = %+v", st)
	}
}

// TestCallbackSecret: without the secret the webhook answers 401, which
// mluvii counts as a failed delivery.
func TestCallbackSecret(t *testing.T) {
	s := newBot(t)
	s.SetCallbackURL(strings.Replace(s.CallbackURL(), secret, "wrong", 1))
	if _, err := s.StartConversation(mluvii.ChannelWebChat); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("StartConversation with a wrong secret: %v", err)
	}
}

func TestConfigValidate(t *testing.T) {
	if err := (bot.Config{}).Validate(); err == nil || !strings.Contains(err.Error(), "base URL, chatbot id, client id and secret") {
		t.Errorf("Validate() = %v", err)
	}
	ok := bot.Config{BaseURL: "http://x", ChatbotID: 1, ClientID: "a", ClientSecret: "b"}
	if err := ok.Validate(); err != nil {
		t.Errorf("Validate() = %v", err)
	}
}

// TestSharedLocation: a location the guest shares without being asked is
// answered, not dropped.
func TestSharedLocation(t *testing.T) {
	s := newBot(t)
	se := startChat(t, s, mluvii.ChannelWebChat)
	if err := se.SendLocation(50.0755, 14.4378); err != nil {
		t.Fatal(err)
	}
	se.AssertBotSaid("Thanks, you shared 50.07550, 14.43780.")
}
