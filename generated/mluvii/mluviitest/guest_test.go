package mluviitest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mluviigen/mluviigen/generated/mluvii"
)

// echo answers each guest action with a Text describing it.
func echo(b *testBot, a mluvii.Activity) {
	var reply string
	switch a := a.(type) {
	case *mluvii.Text:
		reply = "you said: " + a.Text
	case *mluvii.HeroCardSubmission:
		reply = "thanks, " + a.Params["name"]
	case *mluvii.GuestFileUpload:
		reply = "got " + a.FileURL
	case *mluvii.GuestLocation:
		reply = fmt.Sprintf("you are at %.4f,%.4f", a.Latitude, a.Longitude)
	default:
		return
	}
	if err := b.sendActivity(&mluvii.Text{SessionID: a.Session(), Text: reply}); err != nil {
		b.t.Errorf("bot: %v", err)
	}
}

func TestGuestScripting(t *testing.T) {
	t.Parallel()
	srv := NewServer(t, WithLanguage("en"))
	bot := newTestBot(t, srv, echo)
	sess, err := srv.StartConversation(mluvii.ChannelWebChat)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		do   func() error
		want string
	}{
		{func() error { return sess.Text("Ahoj") }, "you said: Ahoj"},
		{func() error { return sess.Click("tarif_mini") }, "you said: tarif_mini"},
		{func() error { return sess.SubmitHeroCard(map[string]string{"name": "Jana"}) }, "thanks, Jana"},
		{func() error { return sess.UploadFile("https://files.example/a.pdf") }, "got https://files.example/a.pdf"},
		{func() error { return sess.SendLocation(50.0875726, 14.4189987) }, "you are at 50.0876,14.4190"},
		{func() error {
			return sess.SendActivity(&mluvii.HeroCardSubmission{Params: map[string]string{"name": "Petr"}})
		}, "thanks, Petr"},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatal(err)
		}
		sess.AssertBotSaid(st.want)
	}
	for _, a := range bot.received() {
		if a.ActivityName() == mluvii.ActivityText {
			if tx := a.(*mluvii.Text); tx.Language != "en" || tx.Source != "Default" || tx.Timestamp.IsZero() {
				t.Errorf("guest Text without envelope or timestamp: %+v", tx)
			}
		}
	}
	if err := sess.End(); err != nil {
		t.Fatal(err)
	}
	last := bot.received()[len(bot.received())-1]
	if _, ok := last.(*mluvii.ConversationEnded); !ok {
		t.Errorf("last delivery = %T, want ConversationEnded", last)
	}
	if err := sess.Text("after the end"); err == nil || !strings.Contains(err.Error(), "has ended (guest)") {
		t.Errorf("Text after End: %v", err)
	}
	if code, msg := srv.botPost(t, body(sess, `{"activity":"Text","sessionId":SID,"text":"bye"}`)); code != 400 || !strings.Contains(msg, "has ended") {
		t.Errorf("bot Text after End: %d %s", code, msg)
	}
	if err := sess.Send("GetCallParams", nil); err == nil || !strings.Contains(err.Error(), "not an activity mluvii sends") {
		t.Errorf("guest sending a request: %v", err)
	}
	if err := sess.Send("Fly", nil); err == nil || !strings.Contains(err.Error(), `no activity "Fly"`) {
		t.Errorf("unknown activity: %v", err)
	}
	if _, err := srv.StartConversation("Telegram"); err == nil || !strings.Contains(err.Error(), `unknown channel "Telegram"`) {
		t.Errorf("unknown channel: %v", err)
	}
}

// The helpers fail with the transcript when the bot stays silent.
func TestWaitTimesOutWithTranscript(t *testing.T) {
	t.Parallel()
	_, _, sess := start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := sess.WaitFor(ctx, "HandOff")
	if err == nil || !strings.Contains(err.Error(), "no HandOff from the bot") || !strings.Contains(err.Error(), "ConversationStarted") {
		t.Errorf("WaitFor error: %v", err)
	}
	ft := &fakeT{TB: t}
	srv := sess.Server()
	srv.tb = ft
	srv.cfg.timeout = 20 * time.Millisecond
	func() {
		defer func() { _ = recover() }()
		sess.AssertBotSaid("hello")
	}()
	if !strings.Contains(ft.msg, `no message "hello" from the bot`) || !strings.Contains(ft.msg, "the bot said:") {
		t.Errorf("AssertBotSaid failure: %s", ft.msg)
	}
	srv.tb = t
}

// fakeT records a Fatalf instead of failing.
type fakeT struct {
	testing.TB
	msg string
}

func (f *fakeT) Helper() {}
func (f *fakeT) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	panic("fatal")
}

// Expect and its typed forms consume activities, so their order does not
// matter, and each activity is returned once.
func TestExpectConsumes(t *testing.T) {
	t.Parallel()
	srv, bot, sess := start(t)
	for _, name := range []string{"GetCallParams", "Typing", "GetCallParams"} {
		fields := map[string]any{}
		if name == "Typing" {
			fields["show"] = true
		}
		if err := bot.send(sess.ID(), name, fields); err != nil {
			t.Fatal(err)
		}
	}
	typing := sess.ExpectTyping()
	if !typing.Show {
		t.Errorf("Typing.Show = false")
	}
	a, b := sess.ExpectGetCallParams(), sess.ExpectGetCallParams()
	if a == b {
		t.Error("the same GetCallParams was returned twice")
	}
	if p := sess.Pending(); len(p) != 0 {
		t.Errorf("Pending = %v", p)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if e, err := sess.Next(ctx); err == nil {
		t.Errorf("Next returned %v after everything was consumed", e)
	}
	_ = srv
}

func TestWorldAndResponders(t *testing.T) {
	t.Parallel()
	srv, bot, sess := start(t,
		WithGroups(
			Group{ID: 7301, Name: "Reklamace", State: "ONLINE", Workload: GroupWorkload{MaxSlots: 12, FreeSlots: 4}},
			Group{ID: 7303, Name: "Noční směna", State: "OFFLINE", OfflineReasons: []string{"BUSINESS_HOURS", "NO_OPERATORS"},
				Queue: QueueWorkload{IsQueueFull: true}},
		),
		WithOperators(Operator{ID: 5, Name: "Eva", GroupIDs: []int32{7301}, Available: true},
			Operator{ID: 6, Name: "Adam", GroupIDs: []int32{7303}}),
		WithCRMIdentities(CRMIdentity{ID: 66120031, Score: 92.5, Data: map[string][]string{"oo1_guest_email": {"jana@example.cz"}}}),
		WithResponder("SendHeroCard", func(r *Request) map[string]any {
			r.Answer["success"], r.Answer["errorMessage"] = false, "card disabled in test"
			return r.Answer
		}),
	)
	send := func(name string, fields map[string]any) mluvii.Activity {
		t.Helper()
		if err := bot.send(sess.ID(), name, fields); err != nil {
			t.Fatal(err)
		}
		resp := spec.activity(name).response
		return waitDelivered(t, sess, resp).Activity
	}
	groups := send("GetAvailableGroups", map[string]any{"groupIds": []int{7303}}).(*mluvii.GetAvailableGroupsResponse)
	if len(groups.AvailableGroups) != 1 || groups.AvailableGroups[0].GroupState != mluvii.GroupStateOffline ||
		!groups.AvailableGroups[0].GroupOfflineReasons.Has(mluvii.GroupOfflineReasonNoOperators) ||
		groups.AvailableGroups[0].DisplayName != "Noční směna" {
		t.Errorf("GetAvailableGroups = %+v", groups.AvailableGroups)
	}
	ops := send("GetAvailableOperators", nil).(*mluvii.GetAvailableOperatorsResponse)
	if len(ops.AvailableOperators) != 1 || ops.AvailableOperators[0].UserID != 5 {
		t.Errorf("GetAvailableOperators = %+v", ops.AvailableOperators)
	}
	crm := send("ObtainCrmIdentity", nil).(*mluvii.ObtainCrmIdentityResponse)
	if len(crm.MatchedCrmIdentities) != 1 || crm.MatchedCrmIdentities[0].Score != 92.5 {
		t.Errorf("ObtainCrmIdentity = %+v", crm)
	}
	assigned := send("AssignCrmIdentity", map[string]any{"existingCrmIdentityId": 66120031}).(*mluvii.AssignCrmIdentityResponse)
	if assigned.Created || assigned.CrmIdentityID != 66120031 || sess.State().CRMIdentityID != 66120031 {
		t.Errorf("AssignCrmIdentity = %+v", assigned)
	}
	card := send("SendHeroCard", map[string]any{"heroCardId": 1}).(*mluvii.SendHeroCardResponse)
	if card.Success || card.ErrorMessage != "card disabled in test" {
		t.Errorf("custom responder: %+v", card)
	}
	share := send("ShareFile", map[string]any{"name": "missing.pdf"}).(*mluvii.ShareFileResponse)
	if share.Success || !strings.Contains(share.ErrorMessage, "missing.pdf") {
		t.Errorf("ShareFile = %+v", share)
	}
	_ = send("DisableGuestInput", nil)
	_ = send("EnableGuestUpload", nil)
	for _, name := range []string{"SetTag", "SetTag", "UnsetTag"} {
		tag := map[string]string{"SetTag": "vip", "UnsetTag": "new"}[name]
		if err := bot.send(sess.ID(), name, map[string]any{"name": tag}); err != nil {
			t.Fatal(err)
		}
	}
	if err := bot.send(sess.ID(), "Forward", map[string]any{"operatorGroupId": 7301}); err != nil {
		t.Fatal(err)
	}
	st := sess.State()
	if st.GuestInput || !st.GuestUpload || len(st.Tags) != 1 || st.Tags[0] != "vip" || st.EndedBy != "Forward" ||
		fmt.Sprint(st.ForwardedTo["operatorGroupId"]) != "7301" {
		t.Errorf("state = %+v", st)
	}
	srv.AssertNoRejections()
}
