// Command polaris-server runs a real, standalone PolarisMesh server for the
// polaris-agent integration tests.
//
// It is a thin wrapper around the server's exported bootstrap: the upstream
// module only wires its plugins into its own main package, so this program
// links in (by blank imports) exactly the plugins our test configuration
// uses: boltdb store (one node) or MySQL store (a cluster, see
// polaris-cluster.sh), HTTP OpenAPI + client gRPC API servers, in-memory
// (one node) or leader-based (cluster) heartbeat checker, default auth, the
// caches and the interceptor chains. Nothing else (xDS, Eureka, Nacos,
// config gRPC, L5, Redis) is linked.
//
// Usage:
//
//	polaris-server -config polaris-server.yaml -dir RUN_DIR
//
// The process changes into RUN_DIR, so the relative paths of the config
// (boltdb file, logs) land there. The config may reference environment
// variables (the server expands ${VAR} itself); POLARIS_HTTP_PORT and
// POLARIS_GRPC_PORT default to 8090 and 8091 here when unset.
//
// With -watch-pid N the server stops itself (as on SIGTERM) once process N
// is gone, so a test JVM that dies without cleaning up leaves no server behind.
//
// Start-up fix: the server registers itself as the "polaris.checker" instance
// that heartbeat checks are dispatched to, but sends its first own heartbeat
// only one heartbeat interval (5 s) later, while its checker looks at that
// instance every second. So the checker instance turns unhealthy right after
// start and back a few seconds later, and that recovery makes the dispatcher
// suspend all heartbeat checks for 3 x TTL. Instances of the tests would not
// be checked for the first ~25 s. This program therefore reports heartbeats
// for the server's own instances from the moment the health check module is
// up until the server's own heartbeats have taken over.
//
// On SIGTERM/SIGINT the bootstrap stops its API servers and deregisters its
// own instances, which upstream follows with a fixed multi-second sleep. A
// test server's data is thrown away, so after -stop-grace this program exits
// on its own; a second signal exits at once.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	apiservice "github.com/polarismesh/specification/source/go/api/v1/service_manage"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/polarismesh/polaris/bootstrap"
	bootconfig "github.com/polarismesh/polaris/bootstrap/config"
	"github.com/polarismesh/polaris/service"
	"github.com/polarismesh/polaris/service/healthcheck"

	// API servers: HTTP (OpenAPI, console, client) and the client gRPC API.
	_ "github.com/polarismesh/polaris/apiserver/grpcserver/discover"
	_ "github.com/polarismesh/polaris/apiserver/httpserver"

	// Auth, caches and the request interceptor chains.
	_ "github.com/polarismesh/polaris/auth/defaultauth"
	_ "github.com/polarismesh/polaris/cache"
	_ "github.com/polarismesh/polaris/cache/auth"
	_ "github.com/polarismesh/polaris/cache/client"
	_ "github.com/polarismesh/polaris/cache/config"
	_ "github.com/polarismesh/polaris/cache/namespace"
	_ "github.com/polarismesh/polaris/cache/service"
	_ "github.com/polarismesh/polaris/config/interceptor"
	_ "github.com/polarismesh/polaris/service/interceptor"

	// Plugins named in polaris-server.yaml.
	_ "github.com/polarismesh/polaris/plugin/cmdb/memory"
	_ "github.com/polarismesh/polaris/plugin/crypto/aes"
	_ "github.com/polarismesh/polaris/plugin/discoverevent/local"
	_ "github.com/polarismesh/polaris/plugin/healthchecker/leader"
	_ "github.com/polarismesh/polaris/plugin/healthchecker/memory"
	_ "github.com/polarismesh/polaris/plugin/history/logger"
	_ "github.com/polarismesh/polaris/plugin/statis/logger"
	_ "github.com/polarismesh/polaris/plugin/statis/prometheus"

	// Storage: a single file for one node, MySQL shared by a cluster.
	_ "github.com/polarismesh/polaris/store/boltdb"
	_ "github.com/polarismesh/polaris/store/mysql"
)

// portDefaults are applied to the environment before the config is read.
var portDefaults = []struct{ name, value string }{
	{"POLARIS_HTTP_PORT", "8090"},
	{"POLARIS_GRPC_PORT", "8091"},
}

func fail(code int, format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "polaris-server: "+format+"\n", args...)
	os.Exit(code)
}

func main() {
	configFile := flag.String("config", "polaris-server.yaml", "server configuration file")
	runDir := flag.String("dir", ".", "working directory for the store and the logs")
	stopGrace := flag.Duration("stop-grace", time.Second,
		"how long to let the server shut down after SIGTERM/SIGINT before exiting anyway")
	watchPid := flag.Int("watch-pid", 0, "stop when the process with this id has exited (0: off)")
	flag.Parse()

	for _, d := range portDefaults {
		v, set := os.LookupEnv(d.name)
		if !set || v == "" {
			v = d.value
			_ = os.Setenv(d.name, v)
		}
		if p, err := strconv.Atoi(v); err != nil || p < 1 || p > 65535 {
			fail(2, "%s=%q is not a TCP port", d.name, v)
		}
	}

	// Resolve the config before leaving the current directory.
	cfg, err := filepath.Abs(*configFile)
	if err != nil {
		fail(2, "config path %q: %v", *configFile, err)
	}
	if st, err := os.Stat(cfg); err != nil || st.IsDir() {
		fail(2, "config file %q is not readable", cfg)
	}
	conf, err := bootconfig.Load(cfg)
	if err != nil {
		fail(2, "config file %q: %v", cfg, err)
	}
	if err := os.MkdirAll(*runDir, 0o755); err != nil {
		fail(2, "run directory %q: %v", *runDir, err)
	}
	if err := os.Chdir(*runDir); err != nil {
		fail(2, "run directory %q: %v", *runDir, err)
	}

	// The bootstrap installs its own SIGINT/SIGTERM handler once it is up and
	// then shuts down cleanly; Notify delivers each signal to every
	// registered channel, so this one only bounds how long that may take
	// (and covers a signal that arrives while the server is still starting).
	var stopRequested atomic.Bool
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		first := <-signals
		stopRequested.Store(true)
		select {
		case <-time.After(*stopGrace):
			fmt.Fprintf(os.Stderr, "polaris-server: exiting %s after %s\n", *stopGrace, first)
		case again := <-signals:
			fmt.Fprintf(os.Stderr, "polaris-server: exiting at once on second signal %s\n", again)
		}
		os.Exit(0)
	}()

	go primeSelfHeartbeats(selfInstances(conf), selfHeartbeatInterval(conf))

	if *watchPid > 0 {
		go stopWhenGone(*watchPid)
	}

	// Start blocks while the server runs. It returns either after a stop
	// signal or when it failed to start (it prints the reason on stdout).
	bootstrap.Start(cfg)

	if !stopRequested.Load() {
		fail(1, "server did not start or stopped unexpectedly (see the log above)")
	}
}

// stopWhenGone polls for process pid and sends this process SIGTERM once it
// no longer exists, which takes the normal stop path.
func stopWhenGone(pid int) {
	for {
		time.Sleep(time.Second)
		if err := syscall.Kill(pid, 0); err == syscall.ESRCH {
			fmt.Fprintf(os.Stderr, "polaris-server: watched process %d is gone, stopping\n", pid)
			_ = syscall.Kill(os.Getpid(), syscall.SIGTERM)
			return
		}
	}
}

// selfInstances lists the instances the bootstrap will register for the
// server itself (polaris_service in the config), by the same rules: host is
// self_address, one instance per listed API server (all when none are
// listed) on that server's port, default service and namespace names.
func selfInstances(conf *bootconfig.Config) []*apiservice.Instance {
	ps := conf.Bootstrap.PolarisService
	if !ps.EnableRegister || ps.SelfAddress == "" {
		return nil
	}
	ports := map[string]int{}
	var all []string
	for _, api := range conf.APIServers {
		if p, ok := api.Option["listenPort"].(int); ok {
			ports[api.Name] = p
		}
		all = append(all, api.Name)
	}
	var out []*apiservice.Instance
	for _, svc := range ps.Services {
		name, namespace := svc.Name, svc.Namespace
		if name == "" {
			name = bootconfig.DefaultPolarisName
		}
		if namespace == "" {
			namespace = bootconfig.DefaultPolarisNamespace
		}
		protocols := svc.Protocols
		if len(protocols) == 0 {
			protocols = all
		}
		for _, proto := range protocols {
			port, ok := ports[proto]
			if !ok {
				continue
			}
			out = append(out, &apiservice.Instance{
				Service:   wrapperspb.String(name),
				Namespace: wrapperspb.String(namespace),
				Host:      wrapperspb.String(ps.SelfAddress),
				Port:      wrapperspb.UInt32(uint32(port)),
			})
		}
	}
	return out
}

func selfHeartbeatInterval(conf *bootconfig.Config) time.Duration {
	if s := conf.Bootstrap.PolarisService.HeartbeatInterval; s > 0 {
		return time.Duration(s) * time.Second
	}
	return bootconfig.DefaultHeartbeatInterval * time.Second
}

// primeSelfHeartbeats waits until the naming and health check modules are
// initialised, then reports a heartbeat for each of the given instances once
// a second for two heartbeat intervals. A heartbeat may be reported before
// its instance exists: the in-memory checker keys it by the instance id,
// which is derived from namespace, service, host and port.
func primeSelfHeartbeats(instances []*apiservice.Instance, interval time.Duration) {
	if len(instances) == 0 {
		return
	}
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(os.Stderr, "polaris-server: priming self heartbeats failed: %v\n", r)
		}
	}()
	var hc *healthcheck.Server
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			return
		}
		// The naming server is initialised after the health check server
		// has got its caches, so once it exists the latter is complete.
		if _, err := service.GetOriginServer(); err != nil {
			continue
		}
		if srv, err := healthcheck.GetServer(); err == nil && srv != nil {
			hc = srv
			break
		}
	}
	for end := time.Now().Add(2 * interval); time.Now().Before(end); time.Sleep(time.Second) {
		for _, ins := range instances {
			hc.Report(context.Background(), ins)
		}
	}
}
