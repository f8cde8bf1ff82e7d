// Command server is the minimal opamp-go server the first-reply benchmark compares ampgate with:
// opamp-go's server module answering every AgentToServer with an empty ServerToAgent (its
// default OnMessage), no authentication, no state, no persistence. It prints
// "listening ws://127.0.0.1:PORT/v1/opamp" once it accepts connections.
package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/open-telemetry/opamp-go/server"
	"github.com/open-telemetry/opamp-go/server/types"
)

func main() {
	srv := server.New(nil)
	handler, connContext, err := srv.Attach(server.Settings{
		Callbacks: types.Callbacks{
			OnConnecting: func(*http.Request) types.ConnectionResponse {
				return types.ConnectionResponse{Accept: true, ConnectionCallbacks: types.ConnectionCallbacks{}}
			},
		},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/opamp", http.HandlerFunc(handler))
	hs := &http.Server{Handler: mux, ConnContext: connContext}
	go func() {
		if err := hs.Serve(ln); err != nil && err != http.ErrServerClosed {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}()
	fmt.Printf("listening ws://%s/v1/opamp\n", ln.Addr())
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	_ = hs.Shutdown(context.Background())
}
