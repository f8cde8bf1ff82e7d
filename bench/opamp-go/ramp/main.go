// Command ramp is the first-reply load generator: N agents on opamp-go's WebSocket client connect
// at a fixed rate, each sending its full state first (description, health, a 2 KB effective
// config) and then heartbeats. For every agent it records the time from Start() to the client's
// OnConnect (dial + WebSocket upgrade) and from OnConnect to the first ServerToAgent (the server's
// first reply). After the hold it prints one JSON object with the raw samples in milliseconds.
package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/open-telemetry/opamp-go/client"
	"github.com/open-telemetry/opamp-go/client/types"
	"github.com/open-telemetry/opamp-go/protobufs"
)

type nopLogger struct{}

func (nopLogger) Debugf(context.Context, string, ...interface{}) {}
func (nopLogger) Errorf(context.Context, string, ...interface{}) {}

type result struct {
	Agents         int       `json:"agents"`
	Connected      int       `json:"connected"`
	Answered       int       `json:"answered"`
	ConnectMs      []float64 `json:"connectMs"`
	FirstReplyMs   []float64 `json:"firstReplyMs"`
	Replies        int64     `json:"replies"`
	ConnectFailed  int64     `json:"connectFailed"`
	ServerErrors   int64     `json:"serverErrors"`
	RampSeconds    float64   `json:"rampSeconds"`
	HoldSeconds    float64   `json:"holdSeconds"`
	HeartbeatEvery float64   `json:"heartbeatSeconds"`
}

type agent struct {
	c         client.OpAMPClient
	start     time.Time
	connected atomic.Int64 // unix nanos of the first OnConnect
	firstMsg  atomic.Int64 // unix nanos of the first ServerToAgent
}

func uuidV4() types.InstanceUid {
	var u types.InstanceUid
	_, _ = rand.Read(u[:])
	u[6] = (u[6] & 0x0f) | 0x40
	u[8] = (u[8] & 0x3f) | 0x80
	return u
}

func str(k, v string) *protobufs.KeyValue {
	return &protobufs.KeyValue{Key: k, Value: &protobufs.AnyValue{Value: &protobufs.AnyValue_StringValue{StringValue: v}}}
}

func main() {
	endpoint := flag.String("endpoint", "", "OpAMP WebSocket URL")
	token := flag.String("token", "", "bearer token sent in Authorization (empty: none)")
	n := flag.Int("agents", 3000, "agents")
	rate := flag.Float64("rate", 300, "new connections per second")
	heartbeat := flag.Duration("heartbeat", 5*time.Second, "heartbeat interval")
	hold := flag.Duration("hold", 10*time.Second, "how long all agents stay connected after the ramp")
	flag.Parse()
	if *endpoint == "" {
		fmt.Fprintln(os.Stderr, "-endpoint is required")
		os.Exit(2)
	}
	config := []byte("receivers:\n  otlp:\n    protocols:\n      grpc: {}\n" + strings.Repeat("# padding line for a realistic collector config size\n", 38))
	var replies, connectFailed, serverErrors atomic.Int64
	agents := make([]*agent, *n)
	gap := time.Duration(float64(time.Second) / *rate)
	rampStart := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < *n; i++ {
		// Paced against the schedule, not the previous start, so a slow Start() does not slow the ramp.
		if d := time.Until(rampStart.Add(time.Duration(i) * gap)); d > 0 {
			time.Sleep(d)
		}
		a := &agent{c: client.NewWebSocket(nopLogger{})}
		agents[i] = a
		header := http.Header{}
		if *token != "" {
			header.Set("Authorization", "Bearer "+*token)
		}
		hb := *heartbeat
		uid := uuidV4()
		_ = a.c.SetAgentDescription(&protobufs.AgentDescription{
			IdentifyingAttributes: []*protobufs.KeyValue{str("service.name", "otelcol-ramp"), str("service.instance.id", fmt.Sprintf("ramp-%d", i))},
			NonIdentifyingAttributes: []*protobufs.KeyValue{
				str("host.name", fmt.Sprintf("ramp-host-%d", i)), str("os.type", "linux"), str("service.namespace", "ampgate-bench"),
			},
		})
		_ = a.c.SetHealth(&protobufs.ComponentHealth{Healthy: true, Status: "running", StartTimeUnixNano: uint64(time.Now().UnixNano())})
		settings := types.StartSettings{
			OpAMPServerURL: *endpoint,
			Header:         header,
			InstanceUid:    uid,
			Capabilities: protobufs.AgentCapabilities_AgentCapabilities_ReportsStatus |
				protobufs.AgentCapabilities_AgentCapabilities_ReportsEffectiveConfig |
				protobufs.AgentCapabilities_AgentCapabilities_ReportsHealth |
				protobufs.AgentCapabilities_AgentCapabilities_ReportsHeartbeat,
			HeartbeatInterval: &hb,
			Callbacks: types.Callbacks{
				OnConnect: func(context.Context) { a.connected.CompareAndSwap(0, time.Now().UnixNano()) },
				OnConnectFailed: func(context.Context, error) {
					connectFailed.Add(1)
				},
				OnError: func(context.Context, *protobufs.ServerErrorResponse) { serverErrors.Add(1) },
				OnMessage: func(context.Context, *types.MessageData) {
					a.firstMsg.CompareAndSwap(0, time.Now().UnixNano())
					replies.Add(1)
				},
				GetEffectiveConfig: func(context.Context) (*protobufs.EffectiveConfig, error) {
					return &protobufs.EffectiveConfig{ConfigMap: &protobufs.AgentConfigMap{ConfigMap: map[string]*protobufs.AgentConfigFile{
						"collector.yaml": {Body: config, ContentType: "text/yaml"},
					}}}, nil
				},
			},
		}
		a.start = time.Now()
		if err := a.c.Start(context.Background(), settings); err != nil {
			fmt.Fprintf(os.Stderr, "agent %d: %v\n", i, err)
			connectFailed.Add(1)
		}
	}
	rampSeconds := time.Since(rampStart).Seconds()
	time.Sleep(*hold)
	res := result{Agents: *n, RampSeconds: rampSeconds, HoldSeconds: hold.Seconds(), HeartbeatEvery: heartbeat.Seconds()}
	for _, a := range agents {
		c, m := a.connected.Load(), a.firstMsg.Load()
		if c != 0 {
			res.Connected++
			res.ConnectMs = append(res.ConnectMs, float64(c-a.start.UnixNano())/1e6)
		}
		if c != 0 && m != 0 {
			res.Answered++
			res.FirstReplyMs = append(res.FirstReplyMs, float64(m-c)/1e6)
		}
	}
	res.Replies, res.ConnectFailed, res.ServerErrors = replies.Load(), connectFailed.Load(), serverErrors.Load()
	// Stop in parallel: each Stop waits for its connection to close.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, a := range agents {
		wg.Add(1)
		go func(a *agent) { defer wg.Done(); _ = a.c.Stop(ctx) }(a)
	}
	wg.Wait()
	_ = json.NewEncoder(os.Stdout).Encode(res)
}
