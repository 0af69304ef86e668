package mluviitest

import (
	"fmt"
	"strings"
	"testing"
)

// TestHandOffRouting: the outcome of a HandOff follows the world's groups.
func TestHandOffRouting(t *testing.T) {
	support := Group{ID: 1, Name: "Support", State: "ONLINE"}
	sales := Group{ID: 2, Name: "Sales", State: "BUSY"}
	full := Group{ID: 3, Name: "Full", State: "BUSY", Queue: QueueWorkload{IsQueueFull: true}}
	night := Group{ID: 4, Name: "Night", State: "OFFLINE"}
	jana := Operator{ID: 101, Name: "Jana", GroupIDs: []int32{1}, Available: true}
	for _, c := range []struct {
		name   string
		groups []Group
		ops    []Operator
		want   Routing
	}{
		{"online", []Group{night, sales, support}, []Operator{jana}, Routing{By: "HandOff", Outcome: RoutedToOperator, GroupID: 1, GroupName: "Support", OperatorID: 101, OperatorName: "Jana"}},
		{"online, no operators in the world", []Group{support}, nil, Routing{By: "HandOff", Outcome: RoutedToOperator, GroupID: 1, GroupName: "Support"}},
		{"online, its operator away", []Group{support}, []Operator{{ID: 101, Name: "Jana", GroupIDs: []int32{1}}}, Routing{By: "HandOff", Outcome: RoutedToQueue, GroupID: 1, GroupName: "Support"}},
		{"busy", []Group{night, full, sales}, []Operator{jana}, Routing{By: "HandOff", Outcome: RoutedToQueue, GroupID: 2, GroupName: "Sales"}},
		{"offline", []Group{night, full}, []Operator{jana}, Routing{By: "HandOff", Outcome: RoutedToOfflineForm}},
		{"no groups", nil, nil, Routing{By: "HandOff", Outcome: RoutedToOfflineForm}},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv, _, sess := start(t)
			srv.SetGroups(c.groups...)
			srv.SetOperators(c.ops...)
			if code, msg := srv.botPost(t, body(sess, `{"activity":"HandOff","sessionId":SID}`)); code != 200 {
				t.Fatalf("HandOff: %d %s", code, msg)
			}
			st := sess.State()
			if !st.Ended || st.EndedBy != "HandOff" || st.Routing == nil || *st.Routing != c.want {
				t.Fatalf("state: ended %v by %q, routing %+v, want %+v", st.Ended, st.EndedBy, st.Routing, c.want)
			}
			// The bot acting afterwards gets mluvii's 400, naming the outcome.
			code, msg := srv.botPost(t, body(sess, `{"activity":"Text","sessionId":SID,"text":"still there?"}`))
			if code != 400 || !strings.Contains(msg, "has ended (HandOff): "+c.want.String()) {
				t.Errorf("Text after the handoff: %d %s", code, msg)
			}
		})
	}
}

func TestForwardRouting(t *testing.T) {
	groups := []Group{{ID: 1, Name: "Support", State: "ONLINE"}, {ID: 2, Name: "Sales", State: "BUSY"}, {ID: 4, Name: "Night", State: "OFFLINE"}}
	ops := []Operator{{ID: 101, Name: "Jana", GroupIDs: []int32{1}, Available: true}, {ID: 102, Name: "Petr", GroupIDs: []int32{2}}}
	for _, c := range []struct {
		body string
		want Routing
	}{
		{`"operatorGroupId":1`, Routing{Outcome: RoutedToOperator, GroupID: 1, GroupName: "Support", OperatorID: 101, OperatorName: "Jana"}},
		{`"operatorGroupId":2`, Routing{Outcome: RoutedToQueue, GroupID: 2, GroupName: "Sales"}}, // capacity ignored: queued, not refused
		{`"operatorGroupId":4`, Routing{Outcome: RoutedToOfflineForm}},
		{`"operatorGroupId":9`, Routing{Outcome: RoutedToOfflineForm}},
		{`"userId":101`, Routing{Outcome: RoutedToOperator, GroupID: 1, GroupName: "Support", OperatorID: 101, OperatorName: "Jana"}},
		{`"userId":102`, Routing{Outcome: RoutedToQueue, GroupID: 2, GroupName: "Sales", OperatorID: 102, OperatorName: "Petr"}},
		{`"userId":999`, Routing{Outcome: RoutedToOfflineForm}},
	} {
		t.Run(c.body, func(t *testing.T) {
			srv, _, sess := start(t, WithGroups(groups...), WithOperators(ops...))
			if code, msg := srv.botPost(t, body(sess, `{"activity":"Forward","sessionId":SID,`+c.body+`}`)); code != 200 {
				t.Fatalf("Forward: %d %s", code, msg)
			}
			c.want.By = "Forward"
			if st := sess.State(); st.EndedBy != "Forward" || st.Routing == nil || *st.Routing != c.want || st.ForwardedTo == nil {
				t.Errorf("state: ended by %q, routing %+v, want %+v", st.EndedBy, st.Routing, c.want)
			}
		})
	}
}

// TestGroupsChangeWhileRunning: SetGroups changes GetAvailableGroups'
// answers from then on.
func TestGroupsChangeWhileRunning(t *testing.T) {
	srv, _, sess := start(t)
	srv.SetGroups(Group{ID: 5, Name: "Later", State: "BUSY"})
	srv.botPost(t, body(sess, `{"activity":"GetAvailableGroups","sessionId":SID}`))
	e := waitDelivered(t, sess, "GetAvailableGroupsResponse")
	if !strings.Contains(string(e.Body), `"groupId":5`) || strings.Contains(string(e.Body), `"groupId":1`) {
		t.Errorf("GetAvailableGroupsResponse after SetGroups: %s", e.Body)
	}
}

// TestGroupStateChecked: a state other than the GroupState constants fails
// the test naming the group and the value, with the constant meant when only
// the letter case differs; it no longer acts as offline in silence.
func TestGroupStateChecked(t *testing.T) {
	for _, tc := range []struct {
		state GroupState
		want  string
	}{
		{"online", `group 1 ("Support") has state "online" (did you mean "ONLINE"?): want GroupOnline, GroupBusy or GroupOffline`},
		{"AWAY", `group 1 ("Support") has state "AWAY": want GroupOnline, GroupBusy or GroupOffline`},
	} {
		msg := fatalOf(func(tb testing.TB) { NewServer(tb, WithGroups(Group{ID: 1, Name: "Support", State: tc.state})) })
		if !strings.Contains(msg, tc.want) {
			t.Errorf("NewServer with state %q: %q, want %q", tc.state, msg, tc.want)
		}
		srv := NewServer(t)
		msg = fatalOf(func(tb testing.TB) {
			srv.tb = tb
			srv.SetGroups(Group{ID: 1, Name: "Support", State: tc.state})
		})
		srv.tb = t
		if !strings.Contains(msg, tc.want) {
			t.Errorf("SetGroups with state %q: %q, want %q", tc.state, msg, tc.want)
		}
	}
}

// fatalOf runs fn with a testing.TB whose Fatalf ends fn, and returns what
// it was given.
func fatalOf(fn func(testing.TB)) (msg string) {
	tb := &fatalTB{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() { _ = recover() }()
		fn(tb)
	}()
	<-done
	return tb.msg
}

type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Helper()                           {}
func (f *fatalTB) Cleanup(func())                    {}
func (f *fatalTB) Logf(string, ...any)               {}
func (f *fatalTB) Fatalf(format string, args ...any) { f.msg = fmt.Sprintf(format, args...); panic(f) }
