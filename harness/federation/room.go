package federation

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"herald/harness/matrix"
)

// Room is a room the mock takes part in: one it hosts (made with
// CreateRoom) or one on the homeserver it joined (JoinRoom). The mock keeps
// every event it accepted, the current state and the state before each
// event, which is what /state, /event, /backfill and the auth rules need.
// The DAG is applied in arrival order; there is no state resolution.
type Room struct {
	// ID is the room ID (for v12, derived from the create event).
	ID string
	// Version is the room version.
	Version matrix.RoomVersion

	server *Server
	mu     sync.Mutex
	events map[string]*Event
	// order lists the accepted (non-outlier) events in arrival order.
	order       []string
	state       map[stateKeyOf]string
	before      map[string]map[stateKeyOf]string
	extremities []string
	createID    string
}

func newRoom(s *Server, rv matrix.RoomVersion, id string) *Room {
	return &Room{
		ID: id, Version: rv, server: s,
		events: map[string]*Event{},
		state:  map[stateKeyOf]string{},
		before: map[string]map[stateKeyOf]string{},
	}
}

// RoomOption configures CreateRoom.
type RoomOption func(*roomConfig)

type roomConfig struct {
	joinRule          string
	name              string
	historyVisibility string
	createContent     map[string]any
	powerLevels       map[string]any
	extra             []ProtoEvent
}

// JoinRule sets the room's join rule (default "public").
func JoinRule(rule string) RoomOption { return func(c *roomConfig) { c.joinRule = rule } }

// RoomName sets m.room.name ("" leaves the room without one).
func RoomName(name string) RoomOption { return func(c *roomConfig) { c.name = name } }

// HistoryVisibility sets m.room.history_visibility (default "shared").
func HistoryVisibility(v string) RoomOption { return func(c *roomConfig) { c.historyVisibility = v } }

// CreateContent adds fields to the m.room.create content.
func CreateContent(content map[string]any) RoomOption {
	return func(c *roomConfig) { maps.Copy(c.createContent, content) }
}

// PowerLevels replaces fields of the default m.room.power_levels content.
func PowerLevels(content map[string]any) RoomOption {
	return func(c *roomConfig) { maps.Copy(c.powerLevels, content) }
}

// WithState adds a state event, sent by the creator, after the defaults.
func WithState(eventType, stateKey string, content map[string]any) RoomOption {
	return func(c *roomConfig) {
		c.extra = append(c.extra, ProtoEvent{Type: eventType, StateKey: StateKey(stateKey), Content: content})
	}
}

// CreateRoom makes a room hosted on the mock: m.room.create, the creator's
// join, power levels, join rules, history visibility and a name. creator
// must be a user on the mock. It panics if the mock cannot build its own
// events (a bug in Herald).
func (s *Server) CreateRoom(rv matrix.RoomVersion, creator string, opts ...RoomOption) *Room {
	room, err := s.NewRoom(rv, creator, opts...)
	if err != nil {
		panic(err)
	}
	return room
}

// NewRoom is CreateRoom returning the error.
func (s *Server) NewRoom(rv matrix.RoomVersion, creator string, opts ...RoomOption) (*Room, error) {
	cfg := &roomConfig{
		joinRule: "public", name: "Herald mock room", historyVisibility: "shared",
		createContent: map[string]any{}, powerLevels: map[string]any{},
	}
	for _, o := range opts {
		o(cfg)
	}
	id := ""
	if !rv.RoomIDFromCreateEvent {
		id = matrix.NewOpaqueID('!', s.Name())
	}
	room := newRoom(s, rv, id)

	create := map[string]any{"room_version": rv.ID}
	if rv.CreatorInCreateContent {
		create["creator"] = creator
	}
	maps.Copy(create, cfg.createContent)
	users := map[string]any{creator: 100}
	if rv.AdditionalCreators {
		users = map[string]any{} // creators may not be listed (rooms/v12.md)
	}
	pl := map[string]any{
		"users": users, "users_default": 0, "events_default": 0, "state_default": 50,
		"ban": 50, "kick": 50, "redact": 50, "invite": 0,
		"events": map[string]any{
			"m.room.name": 50, "m.room.power_levels": 100, "m.room.history_visibility": 100,
			"m.room.canonical_alias": 50, "m.room.avatar": 50, "m.room.tombstone": 100,
			"m.room.server_acl": 100, "m.room.encryption": 100,
		},
	}
	maps.Copy(pl, cfg.powerLevels)
	protos := []ProtoEvent{
		{Type: "m.room.create", StateKey: StateKey(""), Content: create},
		{Type: "m.room.member", StateKey: StateKey(creator), Content: map[string]any{"membership": "join"}},
		{Type: "m.room.power_levels", StateKey: StateKey(""), Content: pl},
		{Type: "m.room.join_rules", StateKey: StateKey(""), Content: map[string]any{"join_rule": cfg.joinRule}},
		{Type: "m.room.history_visibility", StateKey: StateKey(""), Content: map[string]any{"history_visibility": cfg.historyVisibility}},
	}
	if cfg.name != "" {
		protos = append(protos, ProtoEvent{Type: "m.room.name", StateKey: StateKey(""), Content: map[string]any{"name": cfg.name}})
	}
	protos = append(protos, cfg.extra...)
	for _, p := range protos {
		if p.Sender == "" {
			p.Sender = creator
		}
		ev, err := room.NewEvent(p)
		if err != nil {
			return nil, fmt.Errorf("federation: creating a v%s room: %w", rv.ID, err)
		}
		if err := room.Apply(ev); err != nil {
			return nil, fmt.Errorf("federation: creating a v%s room: %w", rv.ID, err)
		}
	}
	s.addRoom(room)
	return room, nil
}

func (s *Server) addRoom(r *Room) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rooms[r.ID] = r
}

// Room returns a room the mock takes part in, or nil.
func (s *Server) Room(id string) *Room {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rooms[id]
}

func (s *Server) allRooms() []*Room {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Collect(maps.Values(s.rooms))
}

// findEvent looks an event up in every room.
func (s *Server) findEvent(id string) *Event {
	for _, r := range s.allRooms() {
		if ev := r.Event(id); ev != nil {
			return ev
		}
	}
	return nil
}

// NewEvent builds, hashes, signs and IDs an event of the room from p, on
// top of the current state and forward extremities. It does not apply it
// (see Apply); specs send it as it is, or after changing it.
func (r *Room) NewEvent(p ProtoEvent) (*Event, error) {
	r.mu.Lock()
	obj, err := r.template(p)
	r.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return r.server.signEvent(r.Version, obj)
}

// MustEvent is NewEvent for specs: it panics on error.
func (r *Room) MustEvent(p ProtoEvent) *Event {
	ev, err := r.NewEvent(p)
	if err != nil {
		panic(err)
	}
	return ev
}

// signEvent adds event_id (v1/v2), then the content hash and the mock's
// signature, and computes the ID.
func (s *Server) signEvent(rv matrix.RoomVersion, obj matrix.Object) (*Event, error) {
	if rv.EventIDFormat == matrix.EventIDOpaque && !obj.Has("event_id") {
		obj["event_id"] = matrix.NewOpaqueID('$', s.Name())
	}
	if err := s.Signer().HashAndSignEvent(rv, obj); err != nil {
		return nil, fmt.Errorf("federation: signing an event: %w", err)
	}
	return NewEventFromObject(rv, obj)
}

// template is the unsigned event p describes, with r.mu held: the fields a
// make_join answer carries.
func (r *Room) template(p ProtoEvent) (matrix.Object, error) {
	rv := r.Version
	obj := matrix.Object{
		"type":             p.Type,
		"sender":           p.Sender,
		"content":          p.Content,
		"origin_server_ts": time.Now().UnixMilli(),
	}
	if p.Content == nil {
		obj["content"] = map[string]any{}
	}
	if p.StateKey != nil {
		obj["state_key"] = *p.StateKey
	}
	if !(rv.RoomIDFromCreateEvent && p.Type == "m.room.create") {
		obj["room_id"] = r.ID
	}
	if rv.OriginProtected {
		obj["origin"] = r.server.Name()
	}
	prev := []any{}
	var depth int64
	for _, id := range r.extremities {
		ev := r.events[id]
		ref, err := ev.ref()
		if err != nil {
			return nil, err
		}
		prev = append(prev, ref)
		depth = max(depth, ev.Depth())
	}
	if p.Type == "m.room.create" {
		prev = []any{}
	}
	obj["prev_events"] = prev
	obj["depth"] = depth + 1
	auth := []any{}
	if p.Type != "m.room.create" {
		for _, k := range selection(rv, p.Type, p.Sender, p.StateKey, normalise(p.Content)) {
			if id, ok := r.state[k]; ok {
				ref, err := r.events[id].ref()
				if err != nil {
					return nil, err
				}
				auth = append(auth, ref)
			}
		}
	}
	obj["auth_events"] = auth
	for k, v := range p.Extra {
		obj[k] = v
	}
	// One representation for every event: what the wire would give.
	data, err := matrix.CanonicalJSONLax(obj)
	if err != nil {
		return nil, fmt.Errorf("federation: building %s: %w", p.Type, err)
	}
	return matrix.ParseObject(data)
}

// normalise turns Go values into what parsing JSON gives.
func normalise(m map[string]any) matrix.Object {
	data, err := matrix.CanonicalJSONLax(m)
	if err != nil {
		return matrix.Object{}
	}
	o, err := matrix.ParseObject(data)
	if err != nil {
		return matrix.Object{}
	}
	return o
}

// Apply authorises ev against the state its auth_events name and adds it
// to the room: state, forward extremities and timeline. An event already
// in the room is accepted again without change.
func (r *Room) Apply(ev *Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.apply(ev)
}

func (r *Room) apply(ev *Event) error {
	if _, accepted := r.before[ev.ID]; accepted {
		return nil
	}
	if ev.Version.ID != r.Version.ID {
		return fmt.Errorf("event %s is for room version %s, the room is %s", ev.ID, ev.Version.ID, r.Version.ID)
	}
	if ev.Type() == "m.room.create" {
		if len(r.order) > 0 {
			return errors.New("the room already has a create event")
		}
		if r.Version.RoomIDFromCreateEvent {
			id, err := r.Version.CreateEventRoomID(ev.Fields)
			if err != nil {
				return err
			}
			if r.ID != "" && r.ID != id {
				return fmt.Errorf("create event %s defines room %s, not %s", ev.ID, id, r.ID)
			}
			r.ID = id
		}
	} else if ev.RoomID() != r.ID {
		return fmt.Errorf("event %s is for room %q, not %s", ev.ID, ev.RoomID(), r.ID)
	}
	if err := r.authorise(ev); err != nil {
		return err
	}
	r.before[ev.ID] = maps.Clone(r.state)
	r.events[ev.ID] = ev
	r.order = append(r.order, ev.ID)
	if ev.IsState() {
		r.state[ev.key()] = ev.ID
	}
	if ev.Type() == "m.room.create" {
		r.createID = ev.ID
	}
	prev := ev.PrevEvents()
	r.extremities = slices.DeleteFunc(r.extremities, func(id string) bool { return slices.Contains(prev, id) })
	r.extremities = append(r.extremities, ev.ID)
	return nil
}

// Authorise reports whether the auth rules accept ev given the room's
// events, without applying it.
func (r *Room) Authorise(ev *Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.authorise(ev)
}

func (r *Room) authorise(ev *Event) error {
	auth, err := checkAuthEvents(ev, func(id string) *Event { return r.events[id] })
	if err != nil {
		return fmt.Errorf("auth rules (room v%s) reject %s: %w", r.Version.ID, ev, err)
	}
	return authorise(ev, auth, r.create(ev))
}

// create is the room's create event (ev itself while it is being applied).
func (r *Room) create(ev *Event) *Event {
	if ev.Type() == "m.room.create" {
		return ev
	}
	return r.events[r.createID]
}

// addOutlier keeps an event the mock was given (an auth chain entry) that
// is not part of its timeline.
func (r *Room) addOutlier(ev *Event) {
	if _, ok := r.events[ev.ID]; !ok {
		r.events[ev.ID] = ev
	}
	if ev.Type() == "m.room.create" {
		r.createID = ev.ID
	}
}

// Event returns an event of the room by ID, or nil.
func (r *Room) Event(id string) *Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.events[id]
}

// Events returns the room's timeline, in the order the mock accepted it.
func (r *Room) Events() []*Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]*Event, len(r.order))
	for i, id := range r.order {
		out[i] = r.events[id]
	}
	return out
}

// State returns the current state events, sorted by type and state key.
func (r *Room) State() []*Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stateEvents(r.state)
}

func (r *Room) stateEvents(state map[stateKeyOf]string) []*Event {
	keys := slices.SortedFunc(maps.Keys(state), func(a, b stateKeyOf) int {
		if c := strings.Compare(a.Type, b.Type); c != 0 {
			return c
		}
		return strings.Compare(a.StateKey, b.StateKey)
	})
	out := make([]*Event, 0, len(keys))
	for _, k := range keys {
		out = append(out, r.events[state[k]])
	}
	return out
}

// StateEvent returns the current state event (type, stateKey), or nil.
func (r *Room) StateEvent(eventType, stateKey string) *Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	if id, ok := r.state[stateKeyOf{eventType, stateKey}]; ok {
		return r.events[id]
	}
	return nil
}

// Membership returns user's current membership ("leave" if none).
func (r *Room) Membership(user string) string {
	if ev := r.StateEvent("m.room.member", user); ev != nil {
		return ev.Membership()
	}
	return "leave"
}

// CreateEvent is the room's m.room.create event.
func (r *Room) CreateEvent() *Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.events[r.createID]
}

// stateBefore returns the state before the event id, and whether the
// mock knows it.
func (r *Room) stateBefore(id string) ([]*Event, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	st, ok := r.before[id]
	if !ok {
		return nil, false
	}
	return r.stateEvents(st), true
}

// authChain returns every event reachable through auth_events from the
// given events (not including them unless reachable), sorted by depth. In
// v12 the create event counts as an auth event of every other event: its
// ID is the room ID, which "implies" it (rooms/v12.md, rule 3.2), and
// Synapse and Dendrite both expect it in an auth chain (Dendrite refuses a
// send_join answer without it).
func (r *Room) authChain(from []*Event) []*Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	seen := map[string]bool{}
	var out []*Event
	queue := slices.Clone(from)
	for len(queue) > 0 {
		ev := queue[0]
		queue = queue[1:]
		refs := ev.AuthEvents()
		if r.Version.RoomIDFromCreateEvent && ev.Type() != "m.room.create" && r.createID != "" {
			refs = append(refs, r.createID)
		}
		for _, id := range refs {
			if seen[id] {
				continue
			}
			seen[id] = true
			if a := r.events[id]; a != nil {
				out = append(out, a)
				queue = append(queue, a)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b *Event) int { return int(a.Depth() - b.Depth()) })
	return out
}

// joinedServers lists the servers with a joined member.
func (r *Room) joinedServers() []string {
	var servers []string
	for _, ev := range r.State() {
		if ev.Type() != "m.room.member" || ev.Membership() != "join" {
			continue
		}
		k, _ := ev.StateKey()
		if server, ok := matrix.ServerNameOf(k); ok && !slices.Contains(servers, server) {
			servers = append(servers, server)
		}
	}
	slices.Sort(servers)
	return servers
}

// InviteEvent builds a signed invite of target by sender (a mock user),
// ready to send; it is applied to the room when the homeserver
// countersigns it through SendInviteV1/V2.
func (r *Room) InviteEvent(sender, target string) *Event {
	return r.MustEvent(ProtoEvent{
		Type: "m.room.member", StateKey: StateKey(target), Sender: sender,
		Content: map[string]any{"membership": "invite"},
	})
}

// inviteStateTypes are the state events given to an invitee
// (client-server-api "Stripped state": create, name, avatar, topic, join
// rules, canonical alias, encryption).
var inviteStateTypes = []string{
	"m.room.create", "m.room.name", "m.room.avatar", "m.room.topic",
	"m.room.join_rules", "m.room.canonical_alias", "m.room.encryption",
}

// InviteRoomState is the invite_room_state the mock sends with an invite:
// full PDUs of the room version (server-server-api.md v1.16, MSC4311),
// m.room.create first.
func (r *Room) InviteRoomState() []*Event {
	var out []*Event
	for _, t := range inviteStateTypes {
		if ev := r.StateEvent(t, ""); ev != nil {
			out = append(out, ev)
		}
	}
	return out
}

// StrippedState is the same state in the older stripped form (type,
// state_key, sender, content), for specs that send it.
func (r *Room) StrippedState() []matrix.Object {
	var out []matrix.Object
	for _, ev := range r.InviteRoomState() {
		k, _ := ev.StateKey()
		out = append(out, matrix.Object{"type": ev.Type(), "state_key": k, "sender": ev.Sender(), "content": map[string]any(ev.Content().Clone())})
	}
	return out
}
