#!/usr/bin/env bash
# Records the sample captures from real TLS stacks (openssl s_server/s_client,
# Java, curl, python) with tcpdump, each scenario in its own network namespace
# on loopback (MTU 1500 so that flights span several frames, as on a real
# network), then writes the golden reports with the freshly built tool.
#
#   sudo samples/generate.sh            # all samples and goldens
#   sudo samples/generate.sh NAME...    # only these samples (and all goldens)
#   samples/generate.sh --goldens       # only re-write the goldens
#
# Needs root (network namespaces, tcpdump). Installs its tools through
# scripts/install-tools.sh. Nothing leaves the machine: every address is
# 127.0.0.1 inside a namespace this script creates and deletes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
cd "$here"

PORT=8443
SNI=backend.company.com

# One golden: the tool's output with these options, refused (and the run
# stopped) when the tool exits 2 (a capture or an option it could not use)
# or prints nothing.
golden() { # NAME FORMAT ARGS...
  local name=$1 fmt=$2 ext=$3 capture=${1%@*}
  shift 3
  local out="samples/golden/$name.$ext" tmp rc=0
  tmp=$(mktemp)
  (cd "$top" && "$bin" --format "$fmt" "$@" "samples/$capture" > "$tmp" 2>"$tmp.err") || rc=$?
  if [[ $rc -eq 2 || ! -s "$tmp" ]]; then
    echo "generate.sh: golden $out NOT written: the tool exited $rc with $(wc -c < "$tmp") bytes of output:" >&2
    cat "$tmp.err" >&2
    rm -f "$tmp" "$tmp.err"
    exit 1
  fi
  if [[ "$fmt" == json ]]; then
    # The tool writes compact JSON; goldens are indented to be read and diffed
    # (the tests compare them parsed, so the layout is free).
    python3 -m json.tool --indent 2 --no-ensure-ascii "$tmp" > "$tmp.pretty" && mv "$tmp.pretty" "$tmp"
  fi
  mv "$tmp" "$top/$out"
  rm -f "$tmp.err"
}

write_goldens() {
  (cd "$top" && cargo build --release -q)
  bin="$top/target/release/pcap-tls-audit"
  mkdir -p golden
  while IFS=$'\t' read -r name args _; do
    [[ -z "$name" || "$name" == \#* ]] && continue
    # NAME@VARIANT: the same capture reported with other options.
    [[ "$args" == "-" ]] && args=""
    # shellcheck disable=SC2086
    golden "$name" text txt $args
    # shellcheck disable=SC2086
    golden "$name" json json $args
  done < cases.tsv
  # docs/failures.md quotes the goldens.
  python3 "$top/scripts/failures_doc.py" >&2
  echo "goldens written to samples/golden/; what changed:" >&2
  (cd "$top" && git diff --stat -- samples/golden >&2 && git status --short -- samples/golden >&2)
}

if [[ "${1:-}" == "--goldens" ]]; then
  write_goldens
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "generate.sh: needs root for network namespaces and tcpdump" >&2
  exit 2
fi
"$top/scripts/install-tools.sh"

work=$(mktemp -d)
namespaces=()
cleanup() {
  for ns in "${namespaces[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# The PKI is made once and kept (samples/pki): re-recording one sample must
# not change the certificates of the others. --new-pki makes a new one.
if [[ ! -f pki/root.pem || "${1:-}" == "--new-pki" ]]; then
  python3 tools/pki.py pki
fi
# Later additions to the PKI, made without touching the certificates above.
[[ -f pki/noku.pem && -f pki/root-cross.pem ]] || python3 tools/pki_extra.py pki
[[ -f pki/stale-chain.pem ]] || python3 tools/pki_stale.py pki
[[ -f pki/clientauth.pem ]] || python3 tools/pki_eku.py pki
[[ "${1:-}" == "--new-pki" ]] && shift
# The gateway's trust stores of the keystore samples: they lack the samples' root.
if [[ ! -f pki/truststore.jks ]]; then
  keytool -importcert -noprompt -alias unrelated-root -file pki/other-root.pem -keystore pki/truststore.jks \
    -storetype JKS -storepass changeit >/dev/null 2>&1
  keytool -importcert -noprompt -alias unrelated-root -file pki/other-root.pem -keystore pki/truststore.p12 \
    -storetype PKCS12 -storepass gateway >/dev/null 2>&1
fi
javac -d "$work" tools/JavaClient.java tools/MismatchServer.java tools/JavaServer.java
(cd tools/gotls && GOCACHE="$work/gocache" GO111MODULE=off go build -o "$work/gotls" main.go)
# The server's key and chain for Java (PKCS#12) and haproxy (one PEM).
openssl pkcs12 -export -in pki/chain.pem -inkey pki/leaf.key -passout pass:changeit -out "$work/server.p12"
cat pki/chain.pem pki/leaf.key > "$work/haproxy.pem"
# A Java trust store that holds the samples' root (for Java clients that must get past the chain).
[[ -f pki/root-truststore.jks ]] || keytool -importcert -noprompt -alias root -file pki/root.pem \
  -keystore pki/root-truststore.jks -storetype JKS -storepass changeit >/dev/null 2>&1

wait_port() { # ns port
  for _ in $(seq 50); do
    ip netns exec "$1" ss -ltn 2>/dev/null | grep -q ":$2 " && return 0
    sleep 0.1
  done
  echo "generate.sh: server in $1 did not listen on $2" >&2
  return 1
}

# Samples named on the command line are recorded; without names, all are.
only=("$@")
want() {
  [[ ${#only[@]} -eq 0 ]] && return 0
  local n
  for n in "${only[@]}"; do [[ "$n" == "$1" ]] && return 0; done
  return 1
}

# record NAME IFACE 'SERVER COMMAND or -' 'CLIENT COMMAND' [more client commands...]
record() {
  want "$1" || return 0
  local name=$1 iface=$2 server=$3
  shift 3
  local ns="pta-${name%.*}"
  ns=${ns:0:15}
  namespaces+=("$ns")
  ip netns add "$ns"
  ip netns exec "$ns" ip link set lo up
  ip netns exec "$ns" ip link set lo mtu 1500
  ip netns exec "$ns" ip link set lo gso_max_size 1500 2>/dev/null || true
  local extra=()
  [[ "$name" == *.nano.pcap ]] && extra=(--time-stamp-precision=nano)
  local tpid="" spid=""
  start_tcpdump() {
    ip netns exec "$ns" tcpdump -i "$iface" -U -s "${SNAP:-0}" "${extra[@]}" -w "$work/$name" ${FILTER:-tcp} 2>/dev/null &
    tpid=$!
    sleep 1
  }
  # LATE=1: tcpdump starts after the first client command, on connections
  # it left open (a capture started on a busy gateway).
  [[ -z "${LATE:-}" ]] && start_tcpdump
  if [[ "$server" != "-" ]]; then
    ip netns exec "$ns" bash -c "cd '$here' && exec $server" >"$work/$name.server.log" 2>&1 &
    spid=$!
    wait_port "$ns" $PORT
  fi
  for client in "$@"; do
    ip netns exec "$ns" bash -c "cd '$here' && $client" >>"$work/$name.client.log" 2>&1 || true
    sleep 0.3
    [[ -z "$tpid" ]] && start_tcpdump
  done
  sleep 0.7
  [[ -n "$spid" ]] && { kill "$spid" 2>/dev/null || true; wait "$spid" 2>/dev/null || true; }
  kill "$tpid"; wait "$tpid" 2>/dev/null || true
  ip netns del "$ns"
  cp "$work/$name" "$name"
  echo "recorded $name ($(stat -c %s "$name") bytes): $(tail -n 1 "$work/$name.client.log" 2>/dev/null)" >&2
}

# SYNs that nothing answers: an nftables rule in the namespace drops them
# before the kernel could answer with a RST.
record_no_response() {
  want "$1" || return 0
  local name=$1 ns=pta-noresp
  namespaces+=("$ns")
  ip netns add "$ns"
  ip netns exec "$ns" ip link set lo up
  ip netns exec "$ns" nft -f - <<NFT
table inet drop_syn {
  chain input { type filter hook input priority 0; tcp dport $PORT drop; }
}
NFT
  ip netns exec "$ns" tcpdump -i lo -U -s 0 -w "$work/$name" tcp 2>/dev/null &
  local tpid=$!
  sleep 1
  ip netns exec "$ns" curl -sS -o /dev/null --connect-timeout 4 "https://127.0.0.1:$PORT/" >"$work/$name.client.log" 2>&1 || true
  sleep 0.5
  kill "$tpid"; wait "$tpid" 2>/dev/null || true
  ip netns del "$ns"
  cp "$work/$name" "$name"
  echo "recorded $name ($(stat -c %s "$name") bytes): $(tail -n 1 "$work/$name.client.log")" >&2
}

SERVER="openssl s_server -accept $PORT -cert pki/leaf.pem -key pki/leaf.key -cert_chain pki/inter.pem -naccept 1 -quiet"
CLIENT="openssl s_client -connect 127.0.0.1:$PORT -servername $SNI -CAfile pki/root.pem -verify_return_error -brief </dev/null"
JAVA="java -cp '$work' JavaClient 127.0.0.1 $PORT $SNI"

record tls12-ok.pcap any "$SERVER -tls1_2" "$CLIENT -tls1_2"
record tls13-ok.pcap lo "$SERVER -tls1_3" "$CLIENT -tls1_3"
record tls12-ok.nano.pcap lo "$SERVER -tls1_2" "$CLIENT -tls1_2"
want tls12-ok.pcapng && editcap -F pcapng tls12-ok.pcap tls12-ok.pcapng
record curl-tls13-ok.pcap any "openssl s_server -accept $PORT -cert pki/leaf.pem -key pki/leaf.key -cert_chain pki/inter.pem -naccept 1 -www" \
  "curl -sS -o /dev/null --cacert pki/root.pem --resolve $SNI:$PORT:127.0.0.1 https://$SNI:$PORT/"
record bare-close-after-certificate.pcap any "$SERVER -tls1_2" \
  "python3 tools/bare_close_client.py 127.0.0.1 $PORT $SNI pki/other-root.pem"
record java-pkix-tls12.pcap any "$SERVER -tls1_2" "$JAVA TLSv1.2"
record java-pkix-tls13.pcap any "$SERVER -tls1_3" "$JAVA TLSv1.3"
record openssl-unknown-ca.pcap any "$SERVER -tls1_2" \
  "openssl s_client -connect 127.0.0.1:$PORT -servername $SNI -CAfile pki/other-root.pem -verify_return_error -tls1_2 </dev/null"
record no-shared-cipher.pcap any "$SERVER -tls1_2 -cipher ECDHE-RSA-AES256-GCM-SHA384" \
  "$CLIENT -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256"
record version-mismatch.pcap any "$SERVER -tls1_3" "$CLIENT -tls1_2"
record refused.pcap any - "$CLIENT"
record server-reset.pcap any "python3 tools/rawserver.py $PORT reset" "$CLIENT"
record server-closed.pcap any "python3 tools/rawserver.py $PORT close" "$CLIENT"
record server-not-tls.pcap any "python3 -m http.server --bind 127.0.0.1 $PORT" "$CLIENT"
record client-cert-required-tls12.pcap any "$SERVER -tls1_2 -Verify 1" "$CLIENT -tls1_2"
record multi.pcap any "openssl s_server -accept $PORT -cert pki/leaf.pem -key pki/leaf.key -cert_chain pki/inter.pem -naccept 3 -quiet" \
  "$CLIENT -tls1_3" \
  "openssl s_client -connect 127.0.0.1:$PORT -servername $SNI -CAfile pki/other-root.pem -verify_return_error -tls1_2 </dev/null" \
  "$CLIENT -tls1_2" \
  "$CLIENT -connect 127.0.0.1:9 -tls1_2"
# Chains with something wrong, TLS 1.2 so that the chain is visible; the
# client checks the host name too.
CL12="openssl s_client -connect 127.0.0.1:$PORT -servername $SNI -CAfile pki/root.pem -verify_return_error -verify_hostname $SNI -tls1_2 </dev/null"
srv() { # LEAF [CHAIN FILE] [more s_server options]
  local chain=""
  [[ -n "${2:-}" ]] && chain="-cert_chain pki/$2"
  echo "openssl s_server -accept $PORT -cert pki/$1.pem -key pki/$1.key $chain -naccept 1 -quiet -tls1_2 ${3:-}"
}
record missing-intermediate.pcap any "$(srv leaf)" "$CL12"
record hostname-mismatch.pcap any "$(srv apigee inter.pem)" "$CL12"
record expired.pcap any "$(srv expired inter.pem)" "$CL12"
record not-yet-valid.pcap any "$(srv notyet inter.pem)" "$CL12"
record self-signed.pcap any "$(srv selfsigned)" "$CL12"
record wrong-order.pcap any "$(srv leaf wrong-order-chain.pem)" "$CL12"
record unrelated-certificate.pcap any "$(srv leaf unrelated-chain.pem)" "$CL12"
record weak-key.pcap any "$(srv weak inter.pem '-cipher DEFAULT@SECLEVEL=0')" "$CL12"
record sha1-signature.pcap any "$(srv sha1 inter.pem '-cipher DEFAULT@SECLEVEL=0')" "$CL12"
record mtls-ok.pcap any "$(srv leaf inter.pem '-Verify 1 -CAfile pki/root.pem')" \
  "openssl s_client -connect 127.0.0.1:$PORT -servername $SNI -CAfile pki/root.pem -verify_return_error -tls1_2 -cert pki/client.pem -key pki/client.key -cert_chain pki/inter.pem </dev/null"

# Every failure cause of the contract, from real stacks.
record tls12-dhe-ok.pcap any "$SERVER -tls1_2 -cipher DHE-RSA-AES128-GCM-SHA256" "$CLIENT -tls1_2 -cipher DHE-RSA-AES128-GCM-SHA256"
record curl-reject.pcap any "$SERVER -tls1_2" \
  "curl -sS -o /dev/null --cacert pki/other-root.pem --resolve $SNI:$PORT:127.0.0.1 https://$SNI:$PORT/"
record python-reject.pcap any "$SERVER -tls1_2" "python3 tools/python_client.py 127.0.0.1 $PORT $SNI pki/other-root.pem"
record server-key-mismatch.pcap any "java -cp '$work' MismatchServer $PORT pki/chain.pem pki/apigee.key" "$CL12"
record java-server-key-mismatch.pcap any "java -cp '$work' MismatchServer $PORT pki/chain.pem pki/apigee.key" \
  "java -Djavax.net.ssl.trustStore=pki/root-truststore.jks -Djavax.net.ssl.trustStorePassword=changeit -cp '$work' JavaClient 127.0.0.1 $PORT $SNI TLSv1.2"
record client-not-tls.pcap any "$SERVER -tls1_2" "curl -sS -o /dev/null --max-time 3 http://127.0.0.1:$PORT/"
record sni-rejected.pcap any "$SERVER -tls1_2 -servername $SNI -cert2 pki/apigee.pem -key2 pki/apigee.key -servername_fatal" \
  "openssl s_client -connect 127.0.0.1:$PORT -servername other.company.com -CAfile pki/root.pem -tls1_2 </dev/null"
record client-cert-required-tls13.pcap any "$SERVER -tls1_3 -Verify 1" "$CLIENT -tls1_3"
record client-cert-rejected.pcap any "$SERVER -tls1_2 -Verify 1 -CAfile pki/root.pem -verify_return_error" \
  "$CLIENT -tls1_2 -cert pki/selfsigned.pem -key pki/selfsigned.key"
record alert-decode-error.pcap any "$SERVER -tls1_2" "python3 tools/bad_hello_client.py 127.0.0.1 $PORT"
record client-aborted.pcap any "python3 tools/rawserver.py $PORT hang" \
  "curl -sS -o /dev/null --max-time 2 --cacert pki/root.pem --resolve $SNI:$PORT:127.0.0.1 https://$SNI:$PORT/"
record server-aborted.pcap any "bash -c 'echo \$\$ > $work/server.pid; exec $SERVER -tls1_2'" \
  "python3 tools/stall_client.py 127.0.0.1 $PORT $SNI pki/root.pem 3 & sleep 1; kill -9 \$(cat $work/server.pid); wait"
record_no_response tcp-no-response.pcap

# Issue 9: verdicts that a review found wrong, from real stacks.
# A chain with an expired cross-sign of the root appended (Let's Encrypt's long chain).
record crosssign-expired.pcap any "$(srv leaf crosssign-chain.pem)" "$CL12"
# TLS 1.3 server that answers the first request with a few bytes, no ticket, and closes.
record tls13-short-answer.pcap any "python3 tools/tls_server.py $PORT short" \
  "curl -sS -o /dev/null --http1.1 --cacert pki/root.pem --resolve $SNI:$PORT:127.0.0.1 https://$SNI:$PORT/"
# After a good handshake: a RST after an idle keep-alive, and one in the middle of a response.
record reset-after-idle.pcap any "python3 tools/tls_server.py $PORT idle-reset" \
  "python3 tools/keepalive_client.py 127.0.0.1 $PORT $SNI pki/root.pem 4"
record reset-mid-stream.pcap any "python3 tools/tls_server.py $PORT mid-reset" \
  "curl -sS -o /dev/null --cacert pki/root.pem --resolve $SNI:$PORT:127.0.0.1 https://$SNI:$PORT/"

# nginx as a reverse proxy (port 8080) verifying its upstream after the handshake
# (proxy_ssl_verify); only the upstream connection (port 8443) is captured.
# The start of an nginx configuration of this script (pid, logs and temp files in $work).
nginx_head() { # NAME
  cat <<NGINX
user root root;
worker_processes 1;
pid $work/nginx-$1.pid;
error_log $work/nginx-$1.log info;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $work/nginx-body; proxy_temp_path $work/nginx-proxy;
  fastcgi_temp_path $work/nginx-fcgi; uwsgi_temp_path $work/nginx-uwsgi; scgi_temp_path $work/nginx-scgi;
NGINX
}
nginx_proxy() { # NAME TRUSTED-CA SNI-ON|SNI-OFF
  local conf="$work/nginx-$1.conf" sni="proxy_ssl_server_name on;"
  [[ "$3" == SNI-OFF ]] && sni=""
  { nginx_head "$1"; cat <<NGINX
  server {
    listen 127.0.0.1:8080;
    location / {
      proxy_pass https://127.0.0.1:$PORT;
      proxy_ssl_verify on;
      proxy_ssl_trusted_certificate $here/pki/$2;
      proxy_ssl_name $SNI;
      proxy_ssl_protocols TLSv1.2;
      $sni
    }
  }
}
NGINX
  } > "$conf"
  echo "nginx -c $conf; sleep 0.5; curl -sS -o /dev/null -w '%{http_code}\\n' http://127.0.0.1:8080/; kill \$(cat $work/nginx-$1.pid)"
}
# The backends answer with -www (they wait for a request, as a web server does).
FILTER="tcp port $PORT" record nginx-untrusted.pcap any "$(srv leaf inter.pem -www)" "$(nginx_proxy untrusted other-root.pem SNI-ON)"
FILTER="tcp port $PORT" record nginx-name-mismatch.pcap any "$(srv apigee inter.pem -www)" "$(nginx_proxy mismatch root.pem SNI-ON)"
# Without proxy_ssl_server_name nginx sends no SNI: the backend returns its default certificate.
FILTER="tcp port $PORT" record nginx-no-sni.pcap any \
  "openssl s_server -accept $PORT -cert pki/apigee.pem -key pki/apigee.key -cert_chain pki/inter.pem -servername $SNI -cert2 pki/leaf.pem -key2 pki/leaf.key -naccept 1 -quiet -www -tls1_2" \
  "$(nginx_proxy nosni root.pem SNI-OFF)"
record node-reject.pcap any "$(srv leaf inter.pem -www)" "node tools/node_client.js 127.0.0.1 $PORT $SNI pki/other-root.pem"
# nginx as the server, ssl_verify_client on: the handshake completes without the certificate.
{ nginx_head mtls; cat <<NGINX
  server {
    listen 127.0.0.1:$PORT ssl;
    ssl_certificate $here/pki/chain.pem;
    ssl_certificate_key $here/pki/leaf.key;
    ssl_client_certificate $here/pki/root.pem;
    ssl_verify_client on;
    ssl_protocols TLSv1.2;
    location / { return 200 "ok\n"; }
  }
}
NGINX
} > "$work/nginx-mtls.conf"
record nginx-client-cert-not-sent.pcap any "nginx -g 'daemon off;' -c $work/nginx-mtls.conf" \
  "curl -sS -o /dev/null -w '%{http_code}\\n' --cacert pki/root.pem --resolve $SNI:$PORT:127.0.0.1 https://$SNI:$PORT/"
# Servers that answer an empty client Certificate with bad_certificate (42): Go and Java.
record go-server-no-client-cert.pcap any "$work/gotls server $PORT pki/chain.pem pki/leaf.key" "$CLIENT -tls1_2"
record java-server-no-client-cert.pcap any "java -cp '$work' JavaServer $PORT $work/server.p12 changeit TLSv1.2" "$CLIENT -tls1_2"
# haproxy requiring a client certificate.
cat > "$work/haproxy.cfg" <<HAPROXY
defaults
  mode http
  timeout connect 2s
  timeout client 5s
  timeout server 5s
frontend fe
  bind 127.0.0.1:$PORT ssl crt $work/haproxy.pem ca-file $here/pki/root.pem verify required ssl-max-ver TLSv1.2
  http-request return status 200 content-type text/plain string ok
HAPROXY
record haproxy-no-client-cert.pcap any "haproxy -f $work/haproxy.cfg -db" "$CLIENT -tls1_2"
# A Go client that cannot use the TLS 1.3 ServerHello's key share: its alert goes out in plaintext.
record go-tls13-plaintext-alert.pcap any "python3 tools/bad_keyshare_server.py $PORT" \
  "$work/gotls client 127.0.0.1:$PORT $SNI pki/root.pem"
# A leaf whose keyUsage lacks digitalSignature, with an ECDHE_RSA suite: Java refuses it.
record wrong-key-usage.pcap any "$(srv noku inter.pem)" \
  "java -Djavax.net.ssl.trustStore=pki/root-truststore.jks -Djavax.net.ssl.trustStorePassword=changeit -cp '$work' JavaClient 127.0.0.1 $PORT $SNI TLSv1.2"

# TLS 1.3 with the client's key log (the NSS SSLKEYLOGFILE format), for
# --keylog: openssl's -keylogfile and curl's SSLKEYLOGFILE. A key log is
# appended to, so each is started afresh.
keylog() { # NAME: the key log file of sample NAME.pcap, emptied when it is recorded
  want "$1.pcap" && rm -f "$1.keylog"
  echo "$1.keylog"
}
record keylog-tls13-ok.pcap lo "$SERVER -tls1_3" "$CLIENT -tls1_3 -keylogfile $(keylog keylog-tls13-ok)"
record keylog-curl-tls13-ok.pcap any "openssl s_server -accept $PORT -cert pki/leaf.pem -key pki/leaf.key -cert_chain pki/inter.pem -naccept 1 -www" \
  "SSLKEYLOGFILE=$(keylog keylog-curl-tls13-ok) curl -sS -o /dev/null --cacert pki/root.pem --resolve $SNI:$PORT:127.0.0.1 https://$SNI:$PORT/"
# The client rejects the chain (its alert is protected by the client handshake secret).
record keylog-tls13-reject.pcap any "$SERVER -tls1_3" \
  "openssl s_client -connect 127.0.0.1:$PORT -servername $SNI -CAfile pki/other-root.pem -verify_return_error -tls1_3 -keylogfile $(keylog keylog-tls13-reject) </dev/null"
# A Go client rejects the chain: its alert is protected by the client handshake secret.
record keylog-go-tls13-reject.pcap any "$SERVER -tls1_3" \
  "$work/gotls client 127.0.0.1:$PORT $SNI pki/other-root.pem $(keylog keylog-go-tls13-reject)"
# The server requires a client certificate (certificate_required, under the server's application secret).
record keylog-tls13-cert-required.pcap any "$SERVER -tls1_3 -Verify 1" "$CLIENT -tls1_3 -keylogfile $(keylog keylog-tls13-cert-required)"
# The other AEADs of TLS 1.3: ChaCha20-Poly1305 and AES-128-CCM.
record keylog-tls13-chacha.pcap lo "$SERVER -tls1_3" \
  "$CLIENT -tls1_3 -ciphersuites TLS_CHACHA20_POLY1305_SHA256 -keylogfile $(keylog keylog-tls13-chacha)"
record keylog-tls13-ccm.pcap lo "$SERVER -tls1_3 -ciphersuites TLS_AES_128_CCM_SHA256" \
  "$CLIENT -tls1_3 -ciphersuites TLS_AES_128_CCM_SHA256 -keylogfile $(keylog keylog-tls13-ccm)"
# TLS 1.2 with the master secret (CLIENT_RANDOM lines): AES-GCM, AES-CBC with
# encrypt-then-MAC (OpenSSL's default) and MAC-then-encrypt (-no_etm),
# and ChaCha20-Poly1305.
record keylog-tls12-gcm.pcap lo "$SERVER -tls1_2" "$CLIENT -tls1_2 -keylogfile $(keylog keylog-tls12-gcm)"
record keylog-tls12-cbc.pcap lo "$SERVER -tls1_2" \
  "$CLIENT -tls1_2 -cipher ECDHE-RSA-AES128-SHA -keylogfile $(keylog keylog-tls12-cbc)"
record keylog-tls12-cbc-mte.pcap lo "$SERVER -tls1_2" \
  "$CLIENT -tls1_2 -cipher ECDHE-RSA-AES256-SHA384 -no_etm -keylogfile $(keylog keylog-tls12-cbc-mte)"
record keylog-tls12-chacha.pcap lo "$SERVER -tls1_2" \
  "$CLIENT -tls1_2 -cipher ECDHE-RSA-CHACHA20-POLY1305 -keylogfile $(keylog keylog-tls12-chacha)"
# (s_server's input held open: at its end s_server closes the connection.)
record keylog-tls12-reneg.pcap lo "sh -c 'sleep 6 | $SERVER -tls1_2 -client_renegotiation'" \
  "(sleep 1; printf 'R\\n'; sleep 2) | openssl s_client -connect 127.0.0.1:$PORT -servername $SNI -CAfile pki/root.pem -tls1_2 -keylogfile $(keylog keylog-tls12-reneg)"
# The same rejection with its secrets inside the pcapng (Decryption Secrets Block), as Wireshark users share it.
want keylog-tls13-secrets.pcapng && editcap --inject-secrets tls,keylog-tls13-reject.keylog -F pcapng \
  keylog-tls13-reject.pcap keylog-tls13-secrets.pcapng

# Issue 25: verdicts on captures as the field cuts them, and stacks' habits.
# A stale copy of the intermediate (same name, another key) sent before the
# real one: openssl builds its path by key and accepts the chain.
record stale-intermediate.pcap any "$(srv leaf stale-chain.pem)" "$CL12"
# tcpdump started while an nginx upstream keepalive pool holds a TLS
# connection to an nginx backend (warmed up before the capture): a request
# reuses it (no SYN, no hello in the capture); then the backend stops
# (closing its idle connections) and the next request's new connection is
# refused: started-late connections and a real failure in one capture.
{ nginx_head pool-backend; cat <<NGINX
  server {
    listen 127.0.0.1:$PORT ssl;
    ssl_certificate $here/pki/chain.pem;
    ssl_certificate_key $here/pki/leaf.key;
    keepalive_timeout 60s;
    location / { return 200 "backend ok\n"; }
  }
}
NGINX
} > "$work/nginx-pool-backend.conf"
{ nginx_head pool-proxy; cat <<NGINX
  upstream backends {
    server 127.0.0.1:$PORT;
    keepalive 4;
  }
  server {
    listen 127.0.0.1:8080;
    location / {
      proxy_pass https://backends;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_ssl_server_name on;
      proxy_ssl_name $SNI;
      proxy_ssl_session_reuse off;
    }
  }
}
NGINX
} > "$work/nginx-pool-proxy.conf"
GET8080="curl -sS -o /dev/null -w '%{http_code}\\n' http://127.0.0.1:8080/"
FILTER="tcp port $PORT" LATE=1 record late-start-pool.pcap any \
  "nginx -g 'daemon off;' -c $work/nginx-pool-backend.conf" \
  "nginx -c $work/nginx-pool-proxy.conf; sleep 0.3; $GET8080; $GET8080" \
  "$GET8080; sleep 1.5; $GET8080" \
  "kill -QUIT \$(cat $work/nginx-pool-backend.pid); sleep 1; $GET8080; kill \$(cat $work/nginx-pool-proxy.pid)"
# Only one direction captured (a capture filter on it, as with asymmetric
# routing): the server's half of a client rejecting the chain, and the
# client's half of a TLS 1.2 session whose client offered TLS 1.3 (curl).
FILTER="tcp src port $PORT" record one-way-server-reject.pcap lo "$SERVER -tls1_2" \
  "openssl s_client -connect 127.0.0.1:$PORT -servername $SNI -CAfile pki/other-root.pem -verify_return_error </dev/null"
FILTER="tcp dst port $PORT" record one-way-client-tls12.pcap lo "openssl s_server -accept $PORT -cert pki/leaf.pem -key pki/leaf.key -cert_chain pki/inter.pem -naccept 1 -www -tls1_2" \
  "curl -sS -o /dev/null --cacert pki/root.pem --resolve $SNI:$PORT:127.0.0.1 https://$SNI:$PORT/"
# A snap length of 96 bytes (tcpdump -s 96): every TLS payload cut; the
# client closes after the server's Certificate without an alert.
SNAP=96 record snap96-bare-close.pcap lo "$SERVER -tls1_2" \
  "python3 tools/bare_close_client.py 127.0.0.1 $PORT $SNI pki/other-root.pem"
# TLS 1.3: a client's short request (PING), then its close.
record tls13-short-request.pcap lo "$SERVER -tls1_3" \
  "(printf 'PING\\n'; sleep 0.3) | openssl s_client -connect 127.0.0.1:$PORT -servername $SNI -CAfile pki/root.pem -tls1_3 -quiet"
# A backend's idle timeout (socat -T 3): after 3 s without data it sends its
# close_notify and closes; the pooled client's next request (4 s) meets a RST.
record close-notify-idle-reset.pcap lo \
  "socat -T 3 OPENSSL-LISTEN:$PORT,reuseaddr,cert=pki/leaf.pem,key=pki/leaf.key,cafile=pki/inter.pem,verify=0,openssl-max-proto-version=TLS1.2 SYSTEM:cat" \
  "python3 tools/keepalive_client.py 127.0.0.1 $PORT $SNI pki/root.pem 4"
# A server-first protocol (an SMTP-like greeting right after the handshake)
# whose client leaves 2.6 s later without a word (the golden is made with
# another root, so that a rejection would be plausible by the chain alone).
record server-first-close.pcap lo "python3 tools/tls_server.py $PORT banner" \
  "python3 tools/quiet_client.py 127.0.0.1 $PORT $SNI 2.6"
# NSS (tstclnt, Firefox's library) trusting nothing: it verifies the chain
# after sending its own Finished, so its alert is encrypted and arrives
# before the server's Finished.
NSSDB="rm -rf $work/nssdb && mkdir -p $work/nssdb && certutil -N -d sql:$work/nssdb --empty-password"
record nss-reject-tls12.pcap lo "$SERVER -tls1_2" \
  "$NSSDB; tstclnt -h 127.0.0.1 -p $PORT -a $SNI -d sql:$work/nssdb -V tls1.2:tls1.2 </dev/null"
# NSS trusting the root (certutil -A -t C,,) at a leaf whose extended key
# usage is clientAuth only: rejected after its Finished, as above.
record nss-eku-client-auth-only.pcap lo "$(srv clientauth inter.pem)" \
  "$NSSDB && certutil -A -d sql:$work/nssdb -n root -t C,, -i pki/root.pem; tstclnt -h 127.0.0.1 -p $PORT -a $SNI -d sql:$work/nssdb -V tls1.2:tls1.2 </dev/null"
record nss-reject-tls13.pcap lo "$SERVER -tls1_3" \
  "$NSSDB; tstclnt -h 127.0.0.1 -p $PORT -a $SNI -d sql:$work/nssdb -V tls1.3:tls1.3 </dev/null"

# Keys never make a verdict worse: Node.js (TLS 1.3) rejecting the chain,
# its key log from the 'keylog' event; nginx requiring a client certificate
# that curl does not send, TLS 1.3, curl's SSLKEYLOGFILE.
record keylog-node-tls13-reject.pcap lo "$(srv leaf inter.pem -www | sed 's/-tls1_2/-tls1_3/')" \
  "node tools/node_client.js 127.0.0.1 $PORT $SNI pki/other-root.pem TLSv1.3 $(keylog keylog-node-tls13-reject)"
sed 's/ssl_protocols TLSv1.2;/ssl_protocols TLSv1.3;/' "$work/nginx-mtls.conf" > "$work/nginx-mtls13.conf"
record keylog-nginx-tls13-no-client-cert.pcap lo "nginx -g 'daemon off;' -c $work/nginx-mtls13.conf" \
  "SSLKEYLOGFILE=$(keylog keylog-nginx-tls13-no-client-cert) curl -sS -o /dev/null -w '%{http_code}\\n' --cacert pki/root.pem --resolve $SNI:$PORT:127.0.0.1 https://$SNI:$PORT/"

# A TLS 1.3 resumption with 0-RTT early data: a first connection stores the
# session (-sess_out), the second resumes it and sends its request as early
# data (-early_data); both in the client's key log.
printf 'PING early\n' > "$work/early.txt"
record keylog-tls13-early-data.pcap lo "$SERVER -tls1_3 -early_data -naccept 2" \
  "sleep 1 | openssl s_client -connect 127.0.0.1:$PORT -servername $SNI -CAfile pki/root.pem -tls1_3 -sess_out $work/sess.pem -keylogfile $(keylog keylog-tls13-early-data) -quiet" \
  "sleep 1 | openssl s_client -connect 127.0.0.1:$PORT -servername $SNI -CAfile pki/root.pem -tls1_3 -sess_in $work/sess.pem -early_data $work/early.txt -keylogfile $(keylog keylog-tls13-early-data) -quiet"

# TLS 1.0 and 1.1 with the client's key log (OpenSSL needs SECLEVEL=0 for
# them): AES-CBC with the MD5/SHA-1 PRF; TLS 1.0 chains each record's IV to
# the record before, so the 1.1 sample carries a request and an answer too.
record keylog-tls10-cbc.pcap lo "$SERVER -tls1 -cipher ECDHE-RSA-AES128-SHA:@SECLEVEL=0" \
  "$CLIENT -tls1 -cipher ECDHE-RSA-AES128-SHA:@SECLEVEL=0 -keylogfile $(keylog keylog-tls10-cbc)"
record keylog-tls11-cbc-www.pcap lo "openssl s_server -accept $PORT -cert pki/leaf.pem -key pki/leaf.key -cert_chain pki/inter.pem -naccept 1 -www -tls1_1 -cipher ECDHE-RSA-AES256-SHA:@SECLEVEL=0" \
  "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | openssl s_client -connect 127.0.0.1:$PORT -servername $SNI -CAfile pki/root.pem -tls1_1 -cipher ECDHE-RSA-AES256-SHA:@SECLEVEL=0 -ign_eof -keylogfile $(keylog keylog-tls11-cbc-www)"
record keylog-tls10-cbc-www.pcap lo "openssl s_server -accept $PORT -cert pki/leaf.pem -key pki/leaf.key -cert_chain pki/inter.pem -naccept 1 -www -tls1 -cipher ECDHE-RSA-AES128-SHA:@SECLEVEL=0" \
  "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | openssl s_client -connect 127.0.0.1:$PORT -servername $SNI -CAfile pki/root.pem -tls1 -cipher ECDHE-RSA-AES128-SHA:@SECLEVEL=0 -ign_eof -keylogfile $(keylog keylog-tls10-cbc-www)"

# Recorded captures cut as the field cuts them (editcap; deterministic).
# A capture started on an open keep-alive connection: its data, the silence,
# the server's idle RST (reset-after-idle.pcap from frame 12).
want late-start-idle-reset.pcap && editcap -F pcap -r reset-after-idle.pcap late-start-idle-reset.pcap 12-15
# The second file of a `tcpdump -C -W` ring: it starts in the middle of a
# download, inside a TLS record (reset-mid-stream.pcap from frame 17).
want ring-mid-download.pcap && editcap -F pcap -r reset-mid-stream.pcap ring-mid-download.pcap 17-60
# One frame dated ten years ahead (a clock step, a damaged record): the ACK
# that completes tls13-ok.pcap's TCP handshake.
if want clock-jump.pcap; then
  editcap -r tls13-ok.pcap "$work/a.pcap" 1-2
  editcap -r tls13-ok.pcap "$work/b.pcap" 3
  editcap -t 315360000 "$work/b.pcap" "$work/b2.pcap"
  editcap -r tls13-ok.pcap "$work/c.pcap" 4-100
  mergecap -a -F pcap -w clock-jump.pcap "$work/a.pcap" "$work/b2.pcap" "$work/c.pcap"
fi

# Two interfaces with different link types in one pcapng (Ethernet and SLL2).
want mixed-links.pcapng && mergecap -F pcapng -w mixed-links.pcapng tls13-ok.pcap java-pkix-tls12.pcap

write_goldens
