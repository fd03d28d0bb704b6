// Signs a call event for Akuttilbud's event API (docs/telephony.md) inside Kamailio.
// kamailio.cfg sets $var(event), $var(extension), $var(hung_up_by) and calls
// jsdt_run("akut_sign"); this sets $var(body) and $var(signature) for http_client_query.
// Duktape has no crypto library, hence SHA-256 and HMAC written out (FIPS 180-4, RFC 2104).

var K = [
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
];

function utf8Bytes(text) {
  var binary = unescape(encodeURIComponent(text));
  var bytes = [];
  for (var i = 0; i < binary.length; i++) bytes.push(binary.charCodeAt(i));
  return bytes;
}

function rotr(x, n) {
  return (x >>> n) | (x << (32 - n));
}

// SHA-256 of a byte array, as a byte array.
function sha256(bytes) {
  var h = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
  var message = bytes.slice();
  var bitLength = bytes.length * 8;
  message.push(0x80);
  while (message.length % 64 !== 56) message.push(0);
  // The length fits in 32 bits for anything an event carries; the high word stays zero.
  message.push(0, 0, 0, 0);
  message.push((bitLength >>> 24) & 0xff, (bitLength >>> 16) & 0xff, (bitLength >>> 8) & 0xff, bitLength & 0xff);
  var w = new Array(64);
  for (var offset = 0; offset < message.length; offset += 64) {
    for (var t = 0; t < 16; t++) {
      var j = offset + t * 4;
      w[t] = (message[j] << 24) | (message[j + 1] << 16) | (message[j + 2] << 8) | message[j + 3];
    }
    for (t = 16; t < 64; t++) {
      var s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >>> 3);
      var s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >>> 10);
      w[t] = (w[t - 16] + s0 + w[t - 7] + s1) | 0;
    }
    var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
    for (t = 0; t < 64; t++) {
      var sum1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
      var choice = (e & f) ^ (~e & g);
      var temp1 = (k + sum1 + choice + K[t] + w[t]) | 0;
      var sum0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
      var majority = (a & b) ^ (a & c) ^ (b & c);
      var temp2 = (sum0 + majority) | 0;
      k = g; g = f; f = e; e = (d + temp1) | 0;
      d = c; c = b; b = a; a = (temp1 + temp2) | 0;
    }
    h[0] = (h[0] + a) | 0; h[1] = (h[1] + b) | 0; h[2] = (h[2] + c) | 0; h[3] = (h[3] + d) | 0;
    h[4] = (h[4] + e) | 0; h[5] = (h[5] + f) | 0; h[6] = (h[6] + g) | 0; h[7] = (h[7] + k) | 0;
  }
  var digest = [];
  for (var i = 0; i < 8; i++) {
    digest.push((h[i] >>> 24) & 0xff, (h[i] >>> 16) & 0xff, (h[i] >>> 8) & 0xff, h[i] & 0xff);
  }
  return digest;
}

function hmacSha256Hex(keyText, messageText) {
  var key = utf8Bytes(keyText);
  if (key.length > 64) key = sha256(key);
  while (key.length < 64) key.push(0);
  var inner = [], outer = [];
  for (var i = 0; i < 64; i++) {
    inner.push(key[i] ^ 0x36);
    outer.push(key[i] ^ 0x5c);
  }
  var digest = sha256(outer.concat(sha256(inner.concat(utf8Bytes(messageText)))));
  var hex = "";
  for (i = 0; i < digest.length; i++) hex += (digest[i] < 16 ? "0" : "") + digest[i].toString(16);
  return hex;
}

function pv(name) {
  var value = KSR.pv.get(name);
  return value === null || value === undefined ? "" : String(value);
}

function akut_sign() {
  var now = Date.now();
  var timestamp = Math.floor(now / 1000);
  var event = pv("$var(event)");
  var body = JSON.stringify({
    call_id: pv("$ci"),
    event: event,
    at: new Date(now).toISOString(),
    line: pv("$var(line)"),
    caller: pv("$var(caller)"),
    extension: pv("$var(extension)"),
    hung_up_by: pv("$var(hung_up_by)"),
    event_id: pv("$ci") + "/" + event
  });
  KSR.pv.sets("$var(body)", body);
  KSR.pv.sets("$var(signature)", "t=" + timestamp + ",v1=" + hmacSha256Hex(pv("$env(AKUTTILBUD_TELEPHONY_SECRET)"), timestamp + "." + body));
}
