package mluviitest

import (
	"strings"
	"testing"

	"github.com/mluviigen/mluviigen/generated/mluvii"
)

// greeter greets, reads the call params, records why it hands off, and hands off.
func greeter(b *testBot, a mluvii.Activity) {
	sid := a.Session()
	var err error
	switch a.ActivityName() {
	case "ConversationStarted":
		if err = b.send(sid, "Text", map[string]any{"text": "Hello! <strong>How can I help?</strong>"}); err == nil {
			err = b.send(sid, "GetCallParams", nil)
		}
	case "GetCallParamsResponse":
		err = b.send(sid, "SetCallParams", map[string]any{"callParams": map[string]string{"HandoffReason": "bot"}})
	case "SetCallParamsResponse":
		err = b.send(sid, "HandOff", nil)
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
	sess.Expect("GetCallParams")
	sess.Expect("SetCallParams")
	sess.Expect("HandOff")

	st := sess.State()
	if !st.Ended || st.EndedBy != "HandOff" {
		t.Errorf("session not handed off: %+v", st)
	}
	if st.CallParams["HandoffReason"] != "bot" || st.CallParams["order_no"] != "CZ-1" {
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
	// After HandOff the bot no longer owns the session.
	if code, msg := srv.botPost(t, `{"activity":"Text","sessionId":`+itoa(sess.ID())+`,"text":"still here?"}`); code != 400 || !strings.Contains(msg, "has ended (HandOff)") {
		t.Errorf("Text after HandOff: %d %s", code, msg)
	}
}

func TestDumpExample(t *testing.T) {
	srv := NewServer(t)
	newTestBot(t, srv, greeter)
	sess, _ := srv.StartConversation(mluvii.ChannelFacebook)
	sess.Expect("HandOff")
	t.Log("\n" + srv.Dump())
}
