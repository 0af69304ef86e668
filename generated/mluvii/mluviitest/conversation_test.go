package mluviitest

import (
	"strings"
	"testing"

	"github.com/mluviigen/mluviigen/generated/mluvii"
)

// greeter is a bot on the generated types: it greets, reads the call params,
// records why it hands off, and hands off.
func greeter(b *testBot, a mluvii.Activity) {
	var err error
	switch a := a.(type) {
	case *mluvii.ConversationStarted:
		err = b.sendActivity(&mluvii.Text{SessionID: a.SessionID, Text: "Hello! <strong>How can I help?</strong>"})
		if err == nil {
			err = b.sendActivity(&mluvii.GetCallParams{SessionID: a.SessionID})
		}
	case *mluvii.GetCallParamsResponse:
		err = b.sendActivity(&mluvii.SetCallParams{SessionID: a.SessionID,
			CallParams: map[string]string{"HandoffReason": "bot:" + a.CallParams["order_no"]}})
	case *mluvii.SetCallParamsResponse:
		if a.Success {
			err = b.sendActivity(&mluvii.HandOff{SessionID: a.SessionID})
		}
	}
	if err != nil {
		b.t.Errorf("bot: %v", err)
	}
}

func TestConversation(t *testing.T) {
	t.Parallel()
	srv := NewServer(t)
	newTestBot(t, srv, greeter)

	sess, err := srv.StartConversation(mluvii.ChannelWebChat, SessionCallParams(map[string]string{"order_no": "CZ-1"}))
	if err != nil {
		t.Fatal(err)
	}
	sess.AssertBotSaid("Hello! <strong>How can I help?</strong>")
	sess.ExpectGetCallParams()
	if got := sess.ExpectSetCallParams().CallParams["HandoffReason"]; got != "bot:CZ-1" {
		t.Errorf("SetCallParams HandoffReason = %q, want bot:CZ-1", got)
	}
	sess.ExpectHandOff()

	st := sess.State()
	if !st.Ended || st.EndedBy != "HandOff" {
		t.Errorf("session not handed off: %+v", st)
	}
	if st.CallParams["HandoffReason"] != "bot:CZ-1" || st.CallParams["order_no"] != "CZ-1" {
		t.Errorf("call params = %v", st.CallParams)
	}
	srv.AssertNoRejections()
	srv.AssertNoWarnings()

	var names []string
	for _, e := range sess.Transcript() {
		names = append(names, e.Dir.String()+" "+e.Name)
	}
	want := []string{
		"mluvii → bot ConversationStarted", "bot → mluvii Text", "bot → mluvii GetCallParams",
		"mluvii → bot GetCallParamsResponse", "bot → mluvii SetCallParams",
		"mluvii → bot SetCallParamsResponse", "bot → mluvii HandOff",
	}
	if strings.Join(names, "\n") != strings.Join(want, "\n") {
		t.Errorf("transcript:\n%s\nwant:\n%s", strings.Join(names, "\n"), strings.Join(want, "\n"))
	}
	// The response carried the session's language and source.
	resp := waitDelivered(t, sess, "GetCallParamsResponse").Activity.(*mluvii.GetCallParamsResponse)
	if resp.Language != "cs" || resp.Source != "Default" || resp.CallParams["order_no"] != "CZ-1" {
		t.Errorf("GetCallParamsResponse = %+v", resp)
	}
	// After HandOff the bot no longer owns the session.
	code, msg := srv.botPost(t, `{"activity":"Text","sessionId":`+itoa(sess.ID())+`,"text":"still here?"}`)
	if code != 400 || !strings.Contains(msg, "has ended (HandOff)") {
		t.Errorf("Text after HandOff: %d %s", code, msg)
	}
}
