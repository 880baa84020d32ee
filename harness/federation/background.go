package federation

import (
	"errors"
	"fmt"
	"strings"

	"herald/harness/matrix"
)

// Allowance is one kind of background traffic: what a homeserver may send
// the mock at any time, without a spec having asked for it, and the
// section of the spec that allows it.
type Allowance struct {
	// Route is the endpoint (Unrouted for an EDU).
	Route Route
	// EDU is the edu_type of an EDU inside a /send transaction.
	EDU string
	// Why is what the homeserver does it for.
	Why string
	// Section is where the spec allows it.
	Section string
	// JudgedBy is the spec that provokes this traffic and judges its
	// shape; elsewhere, where it falls at a time no spec controls, a
	// malformed one is journaled but not a problem (mockhttp.Check). Empty:
	// judged wherever it falls.
	JudgedBy string
}

// String names the traffic and its section.
func (a Allowance) String() string {
	what := a.Route.String()
	if a.EDU != "" {
		what = "EDU " + a.EDU
	}
	return what + ": " + a.Why + " (" + a.Section + ")"
}

// Background is the one list of traffic the mock tolerates at any time.
// Every other route of the mock answers a step of a flow some spec starts
// (an invite, a join, a state query, …) and is judged by that route's
// checks; a request no route matches is a Problem (404 M_UNRECOGNIZED),
// and so is an EDU whose type is not listed here. A homeserver's
// legitimate background traffic grows this list, with its reason.
var Background = []Allowance{
	{Route: KeyServer, Why: "fetches the mock's signing keys before it verifies anything the mock signed",
		Section: "server-server-api.md §Retrieving server keys, §Publishing Keys"},
	{Route: KeyServerByID, Why: "fetches one of the mock's keys by ID (deprecated form of the key query)",
		Section: "server-server-api.md §Publishing Keys (keys_server.yaml)"},
	{Route: Version, Why: "asks which server implementation the mock is",
		Section: "server-server-api.md §Server implementation (version.yaml)"},
	{Route: QueryProfile, Why: "looks up the profile of a mock user it is about to invite or show",
		Section: "server-server-api.md §Querying for information (query.yaml GET /query/profile)"},
	{Route: UserDevices, Why: "fetches a mock user's device list, e.g. once it shares a room with that user",
		Section: "server-server-api.md §Device Management (user_devices.yaml)"},
	{Route: UserKeysQuery, Why: "queries the device keys of mock users it shares a room with",
		Section: "server-server-api.md §Device Management (\"populate a local cache from the result of a /user/keys/query\"), §End-to-End Encryption"},
	{Route: SendTxn, Why: "sends a transaction carrying EDUs (and PDUs of rooms the mock is in)",
		Section: "server-server-api.md §Transactions, §EDUs"},
	{EDU: "m.presence", Why: "presence of its users the mock's users may be interested in",
		Section: "server-server-api.md §Presence", JudgedBy: "FED-PRESENCE"},
	{EDU: "m.typing", Why: "typing notifications in a room the mock is in",
		Section: "server-server-api.md §Typing Notifications"},
	{EDU: "m.receipt", Why: "read receipts in a room the mock is in",
		Section: "server-server-api.md §Receipts"},
	{EDU: "m.device_list_update", Why: "device changes of its users, sent to every server sharing a room with them",
		Section: "server-server-api.md §Device Management (\"Servers must send m.device_list_update EDUs to all the servers who share a room with a given local user\")"},
	{EDU: "m.signing_key_update", Why: "cross-signing key changes of its users",
		Section: "server-server-api.md §Device Management (m.signing_key_update)"},
}

// toleratedEDU returns the allowance of an EDU type, if any.
func toleratedEDU(eduType string) (Allowance, bool) {
	for _, a := range Background {
		if a.EDU != "" && a.EDU == eduType {
			return a, true
		}
	}
	return Allowance{}, false
}

// checkEDU judges one EDU of a transaction from origin: its envelope
// (edu.yaml: edu_type and content required) and that its type is
// tolerated (err), then the fields its schema requires
// (definitions/event-schemas/), with every user it reports on being a
// user of origin (shape, judged as the type's allowance says).
func checkEDU(e any, origin string) (typ string, allowance Allowance, err, shape error) {
	m, ok := e.(map[string]any)
	if !ok {
		return "", allowance, fmt.Errorf("it is %s, not an object", matrix.JSONKind(e)), nil
	}
	edu := matrix.Object(m)
	typ, ok = edu.GetString("edu_type")
	if !ok {
		return "", allowance, errors.New("no edu_type string (edu.yaml requires edu_type and content)"), nil
	}
	content, ok := edu.GetObject("content")
	if !ok {
		return typ, allowance, errors.New("no content object (edu.yaml requires edu_type and content)"), nil
	}
	if allowance, ok = toleratedEDU(typ); !ok {
		return typ, allowance, fmt.Errorf("edu_type %q is not traffic the spec lets a server send unasked (the mock tolerates %s)", typ, toleratedEDUTypes()), nil
	}
	return typ, allowance, nil, checkEDUShape(typ, content, origin)
}

// checkEDUShape checks what the schema of a tolerated EDU type requires.
func checkEDUShape(typ string, content matrix.Object, origin string) error {
	ownUser := func(where string, v any) error {
		u, ok := v.(string)
		if !ok {
			return fmt.Errorf("%s is %s, not a user ID string", where, matrix.JSONKind(v))
		}
		if server, ok := matrix.ServerNameOf(u); !ok || !strings.HasPrefix(u, "@") || server != origin {
			return fmt.Errorf("%s %q is not a user of the sending server %s", where, u, origin)
		}
		return nil
	}
	var errs []error
	switch typ {
	case "m.presence":
		push, ok := content.GetArray("push")
		if !ok {
			return errors.New("content.push is not an array (m.presence requires it)")
		}
		for i, p := range push {
			pm, ok := p.(map[string]any)
			if !ok {
				errs = append(errs, fmt.Errorf("push[%d] is not an object", i))
				continue
			}
			u := matrix.Object(pm)
			errs = append(errs, ownUser(fmt.Sprintf("push[%d].user_id", i), u["user_id"]))
			switch pr, _ := u.GetString("presence"); pr {
			case "online", "offline", "unavailable":
			default:
				errs = append(errs, fmt.Errorf("push[%d].presence %v is not online, offline or unavailable", i, u["presence"]))
			}
			if _, ok := u.GetInt("last_active_ago"); !ok {
				errs = append(errs, fmt.Errorf("push[%d] has no integer last_active_ago (required)", i))
			}
		}
	case "m.typing":
		if r, ok := content.GetString("room_id"); !ok || !strings.HasPrefix(r, "!") {
			errs = append(errs, fmt.Errorf("room_id %v is not a room ID", content["room_id"]))
		}
		errs = append(errs, ownUser("user_id", content["user_id"]))
		if _, ok := content["typing"].(bool); !ok {
			errs = append(errs, errors.New("typing is not a boolean (required)"))
		}
	case "m.receipt":
		for room, v := range content {
			rm, ok := v.(map[string]any)
			if !ok || !strings.HasPrefix(room, "!") {
				errs = append(errs, fmt.Errorf("content[%q] is not receipts of a room", room))
				continue
			}
			read, ok := matrix.Object(rm).GetObject("m.read")
			if !ok {
				errs = append(errs, fmt.Errorf("content[%q] has no m.read object (required)", room))
				continue
			}
			for user, r := range read {
				errs = append(errs, ownUser(fmt.Sprintf("content[%q].m.read key", room), user))
				rr, ok := r.(map[string]any)
				if !ok {
					errs = append(errs, fmt.Errorf("the receipt of %s is not an object", user))
					continue
				}
				ids, _ := matrix.Object(rr).GetArray("event_ids")
				if len(ids) != 1 {
					errs = append(errs, fmt.Errorf("the receipt of %s has %d event_ids, the schema requires exactly 1", user, len(ids)))
				}
				data, ok := matrix.Object(rr).GetObject("data")
				if _, tsOK := data.GetInt("ts"); !ok || !tsOK {
					errs = append(errs, fmt.Errorf("the receipt of %s has no data.ts integer (required)", user))
				}
			}
		}
	case "m.device_list_update":
		errs = append(errs, ownUser("user_id", content["user_id"]))
		if _, ok := content.GetString("device_id"); !ok {
			errs = append(errs, errors.New("no device_id string (required)"))
		}
		if _, ok := content.GetInt("stream_id"); !ok {
			errs = append(errs, errors.New("no integer stream_id (required)"))
		}
	case "m.signing_key_update":
		errs = append(errs, ownUser("user_id", content["user_id"]))
	}
	return errors.Join(errs...)
}

func toleratedEDUTypes() []string {
	var out []string
	for _, a := range Background {
		if a.EDU != "" {
			out = append(out, a.EDU)
		}
	}
	return out
}
