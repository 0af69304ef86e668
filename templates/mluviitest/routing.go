package mluviitest

import (
	"fmt"
	"maps"
	"slices"
)

// RoutingOutcome is what became of a session the bot handed off or forwarded.
type RoutingOutcome string

const (
	// RoutedToOperator means an operator took the session over.
	RoutedToOperator RoutingOutcome = "operator"
	// RoutedToQueue means the session waits in a group's queue.
	RoutedToQueue RoutingOutcome = "queued"
	// RoutedToOfflineForm means no group could take it: the guest sees the offline form.
	RoutedToOfflineForm RoutingOutcome = "offline"
)

// Routing is where mluvii's routing took a session after HandOff or Forward,
// modelled on the world's groups and operators at that moment:
//
//   - HandOff takes the first ONLINE group (in the world's order): the
//     group's first available operator takes the session over; with no ONLINE
//     group, the first BUSY group whose queue is not full queues it; else the
//     guest gets the offline form.
//   - Forward to a group ignores capacity: an ONLINE or BUSY group's first
//     available operator takes it, or it waits in the group's queue; an
//     OFFLINE or unknown group gives the offline form. Forward to a user: an
//     available operator takes it, an unavailable one queues it, an unknown one
//     gives the offline form.
//
// Either way the bot's part is over: the session is Ended (EndedBy HandOff
// or Forward), and the bot's later activities in it get 400 naming the
// outcome. Change the world while a test runs with SetGroups and SetOperators.
type Routing struct {
	By      string // HandOff or Forward
	Outcome RoutingOutcome
	// GroupID and GroupName are the group that took or queued the session
	// (0 and "" when none did).
	GroupID   int32
	GroupName string
	// OperatorID and OperatorName are the operator who took the session over
	// (0 and "" when none did, or the ONLINE group has no operator in the world).
	OperatorID   int32
	OperatorName string
}

// String says where the session went, for messages.
func (r Routing) String() string {
	group := ""
	if r.GroupID != 0 || r.GroupName != "" {
		group = fmt.Sprintf(" of group %q (%d)", r.GroupName, r.GroupID)
	}
	switch r.Outcome {
	case RoutedToOperator:
		if r.OperatorID == 0 && r.OperatorName == "" {
			return "an operator" + group + " took it over"
		}
		return fmt.Sprintf("operator %q (%d)%s took it over", r.OperatorName, r.OperatorID, group)
	case RoutedToQueue:
		if group == "" {
			return "it waits for its operator"
		}
		return "it waits in the queue" + group
	}
	return "no group could take it: the guest sees the offline form"
}

// SetGroups replaces the world's operator groups from now on: later
// GetAvailableGroups answers and handoffs see them.
func (s *Server) SetGroups(groups ...Group) {
	if err := checkGroups(groups); err != nil {
		s.tb.Helper()
		s.tb.Fatalf("%v", err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.world.Groups = slices.Clone(groups)
}

// SetOperators replaces the world's operators from now on.
func (s *Server) SetOperators(ops ...Operator) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.world.Operators = slices.Clone(ops)
}

// handOff routes the session as mluvii's routing would and ends the bot's part.
func (s *Server) handOff(ss *sessionState, _ map[string]any) map[string]any {
	r := Routing{By: "HandOff", Outcome: RoutedToOfflineForm}
	groups := s.cfg.world.Groups
	if i := slices.IndexFunc(groups, func(g Group) bool { return g.State == GroupOnline }); i >= 0 {
		r = s.assign(r, groups[i])
	} else if i := slices.IndexFunc(groups, func(g Group) bool { return g.State == GroupBusy && !g.Queue.IsQueueFull }); i >= 0 {
		r.Outcome, r.GroupID, r.GroupName = RoutedToQueue, groups[i].ID, groups[i].Name
	}
	ss.routing = &r
	s.end(ss, r.By)
	return nil
}

// forward hands the session to the group or user the bot named, ignoring
// capacity, and ends the bot's part.
func (s *Server) forward(ss *sessionState, f map[string]any) map[string]any {
	ss.forward = maps.Clone(f)
	r := Routing{By: "Forward", Outcome: RoutedToOfflineForm}
	if user, ok := intOf(f["userId"]); ok {
		if i := slices.IndexFunc(s.cfg.world.Operators, func(o Operator) bool { return int64(o.ID) == user }); i >= 0 {
			op := s.cfg.world.Operators[i]
			r.Outcome, r.OperatorID, r.OperatorName = RoutedToQueue, op.ID, op.Name
			if op.Available {
				r.Outcome = RoutedToOperator
			}
			if len(op.GroupIDs) > 0 {
				r.GroupID = op.GroupIDs[0]
				r.GroupName = s.groupName(r.GroupID)
			}
		}
	} else if id, ok := intOf(f["operatorGroupId"]); ok {
		groups := s.cfg.world.Groups
		if i := slices.IndexFunc(groups, func(g Group) bool { return int64(g.ID) == id }); i >= 0 && groups[i].State != GroupOffline {
			r = s.assign(r, groups[i])
		}
	}
	ss.routing = &r
	s.end(ss, r.By)
	return nil
}

// assign gives the session to the group's first available operator, or
// queues it when the group is not ONLINE or has none of its operators
// available but some in the world. Called with s.mu held.
func (s *Server) assign(r Routing, g Group) Routing {
	r.GroupID, r.GroupName = g.ID, g.Name
	members := 0
	for _, op := range s.cfg.world.Operators {
		if !slices.Contains(op.GroupIDs, g.ID) {
			continue
		}
		members++
		if op.Available && g.State == GroupOnline {
			r.Outcome, r.OperatorID, r.OperatorName = RoutedToOperator, op.ID, op.Name
			return r
		}
	}
	r.Outcome = RoutedToQueue
	if g.State == GroupOnline && members == 0 { // an ONLINE group the world has no operators for
		r.Outcome = RoutedToOperator
	}
	return r
}

func (s *Server) groupName(id int32) string {
	for _, g := range s.cfg.world.Groups {
		if g.ID == id {
			return g.Name
		}
	}
	return ""
}
