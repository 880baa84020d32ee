package conformance

import (
	"sort"

	"github.com/onsi/ginkgo/v2"
)

// ContractLabel marks the specs that prove an image follows the image
// contract end to end: every smoke spec and one spec of each other area
// (the server starts, registers users, serves both APIs over the run's CA,
// federates with the mocks both ways, and calls the mock identity server).
// `make contract` runs them against images Herald did not write.
const ContractLabel = "contract"

// contractSpecs are the spec IDs beyond the smoke area that carry
// ContractLabel, one per area.
var contractSpecs = map[string]bool{
	"INV1-SIGNED/v1":       true, // invite-v1: the v1 endpoint, over the run's TLS
	"INV2-SIGNED/v10":      true, // invite-v2
	"OUT-COMPLETES/v10":    true, // outbound: the server reaches a mock
	"FALLBACK-V1-BODY/v1":  true, // fallback
	"INVERR-BAD-AUTH/v1":   true, // errors
	"3PID-EXCHANGE/v10":    true, // third-party: exchange_third_party_invite, and the invite it sends back
	"MEM-INVITE-OK/v10":    true, // membership
	"FED-KEYS":             true, // federation-mock
	"FED-VERIFY":           true,
	"BLOCK-OTHER-VALUE":    true, // invite-blocking: account data reaches the server
	"FED-MOCK-JOIN":        true,
	"MEM-INVITE-REMOTE/v1": true,
}

// contractLabels are the extra labels of the spec with this ID.
func contractLabels(area, id string) []any {
	if area == "smoke" || contractSpecs[id] {
		return []any{ginkgo.Label(ContractLabel)}
	}
	return nil
}

// ContractSpecIDs lists the spec IDs beyond the smoke area that carry
// ContractLabel, sorted, and those of them no spec registered (a renamed
// spec must not drop out of the contract check unnoticed).
func ContractSpecIDs() (ids, unknown []string) {
	mu.Lock()
	defer mu.Unlock()
	for id := range contractSpecs {
		ids = append(ids, id)
		if _, ok := specIDs[id]; !ok {
			unknown = append(unknown, id)
		}
	}
	sort.Strings(ids)
	sort.Strings(unknown)
	return ids, unknown
}
