// The consumer's main prints this line only after its request came back through the proxy intact.
def expected = 'consumer: GET /hello through pingora4j -> 200 "hello from the origin" (X-Proxied-By: hello-proxy)'
def log = new File(basedir, 'build.log').text
if (!log.contains(expected)) {
    throw new AssertionError("the consumer project's main did not print: " + expected)
}
// Built against what invoker:install put in the isolated repository, not the user's ~/.m2.
def installed = new File(localRepositoryPath, "org/pingora4j/pingora-proxy/${projectVersion}/pingora-proxy-${projectVersion}.jar")
if (!installed.isFile()) {
    throw new AssertionError("pingora-proxy is not in the isolated repository: " + installed)
}
return true
