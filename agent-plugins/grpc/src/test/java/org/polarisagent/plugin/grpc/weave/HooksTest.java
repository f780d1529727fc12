package org.polarisagent.plugin.grpc.weave;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.polarisagent.bootstrap.ClientHooks;
import org.polarisagent.bootstrap.ServerHooks;
import org.polarisagent.core.weave.ClassWeaver;
import org.polarisagent.core.weave.MethodHook;

/**
 * The hooks rewrite methods shaped like gRPC's so that they verify, call the bridge with the right
 * values, and keep the method's own behaviour, exceptions and handlers.
 */
class HooksTest {

  private final List<String> calls = new ArrayList<>();

  @AfterEach
  void uninstall() {
    ClientHooks.install(null);
    ServerHooks.install(null);
  }

  @Test
  void targetFactoryGetsTheMappedTargetAndTheBuilderIsSeen() throws Exception {
    ClientHooks.install(new RecordingClient("mapped:///" + "echo", null));
    Class<?> factory = woven(Shapes.Factory.class, new ChannelTargetHook());

    Object builder = call(factory, "forTarget", "dns:///echo");

    assertEquals("builder for mapped:///echo", builder.toString());
    assertEquals(
        Arrays.asList(
            "onTarget " + factory.getName() + " dns:///echo",
            "onBuilder mapped:///echo builder for mapped:///echo"),
        calls);
  }

  @Test
  void withoutAHandlerTheFactoryIsUnchanged() throws Exception {
    Class<?> factory =
        woven(Shapes.Factory.class, new ChannelTargetHook(), new ChannelAddressHook());

    assertEquals("builder for dns:///echo", call(factory, "forTarget", "dns:///echo").toString());
    assertEquals("empty", call(factory, "forTarget", "").toString());
    assertEquals("builder for h:1", call(factory, "forAddress", "h", 1).toString());
  }

  @Test
  void addressFactoryReturnsTheRedirectedBuilderWithEveryArgumentBoxed() throws Exception {
    StringBuilder redirected = new StringBuilder("polaris builder");
    ClientHooks.install(new RecordingClient(null, redirected));
    Class<?> factory = woven(Shapes.Factory.class, new ChannelAddressHook());

    assertSame(redirected, call(factory, "forAddress", "echo.internal", 50051));
    assertSame(
        redirected, call(factory, "newChannelBuilderForAddress", "echo.internal", 50051, 7L));
    assertEquals(
        Arrays.asList(
            "redirectAddress forAddress [echo.internal, 50051]",
            "redirectAddress newChannelBuilderForAddress [echo.internal, 50051, 7]"),
        calls);
  }

  @Test
  void aRedirectedBuilderOfAnotherTypeLeavesTheApplicationsBuilder() throws Exception {
    ClientHooks.install(new RecordingClient(null, "not a StringBuilder"));
    Class<?> factory = woven(Shapes.Factory.class, new ChannelAddressHook());

    assertEquals("builder for h:1", call(factory, "forAddress", "h", 1).toString());
    assertEquals(
        "cached builder", call(factory, "newChannelBuilderForAddress", "h", 1, 7L).toString());
  }

  @Test
  void aMethodNoHookKnowsIsLeftAlone() throws Exception {
    ClientHooks.install(new RecordingClient("mapped", null));
    Class<?> factory = woven(Shapes.Factory.class, new ChannelTargetHook());

    assertEquals("x", call(factory, "forOther", "x").toString());
    assertEquals(Collections.emptyList(), calls);
  }

  @Test
  void defaultSettersSeeTheHandlersValues() throws Exception {
    ClientHooks.install(new RecordingClient(null, null));
    Class<?> type =
        woven(
            Shapes.ChannelBuilder.class,
            ChannelDefaultsHook.serviceConfig(),
            ChannelDefaultsHook.loadBalancingPolicy());
    Object builder = type.getConstructor().newInstance();

    type.getMethod("defaultServiceConfig", Map.class)
        .invoke(builder, Collections.singletonMap("k", "v"));
    // Through the compiler's bridge, which calls the setter: the value is changed once.
    Shapes.GenericChannelBuilder.class
        .getMethod("defaultLoadBalancingPolicy", String.class)
        .invoke(builder, "pick_first");

    assertEquals(
        Collections.singletonMap("k", "v+agent"),
        type.getDeclaredField("serviceConfig").get(builder));
    assertEquals("pick_first+agent", type.getDeclaredField("policy").get(builder));
  }

  @Test
  void onlyTheOutermostBuildIsHandledAndAThrowingBuildLeavesNothingBehind() throws Exception {
    ServerHooks.install(new RecordingServer());
    Class<?> type = woven(Shapes.ServerBuilder.class, new ServerBuildHook());
    Object inner = serverBuilder(type, null, null);
    Object forwarding = serverBuilder(type, inner, null);

    assertEquals("wrapped server", type.getMethod("build").invoke(forwarding).toString());
    assertEquals(Arrays.asList("before", "after server"), calls);

    Object failing = serverBuilder(type, null, new IllegalStateException("boom"));
    InvocationTargetException thrown =
        assertThrows(
            InvocationTargetException.class, () -> type.getMethod("build").invoke(failing));
    assertEquals("boom", thrown.getCause().getMessage());

    Object handledInside = serverBuilder(type, null, new IllegalArgumentException("retry"));
    assertEquals(
        "wrapped server after retry",
        type.getMethod("build").invoke(handledInside).toString(),
        "the method's own handler runs, and the build after a failed one is outermost again");
  }

  @Test
  void aWrapperOfAnotherTypeLeavesTheApplicationsServer() throws Exception {
    ServerHooks.install(
        new ServerHooks.Handler() {
          @Override
          public void beforeBuild(Object builder) {}

          @Override
          public Object afterBuild(Object builder, Object server) {
            return "not a Server";
          }
        });
    Class<?> type = woven(Shapes.ServerBuilder.class, new ServerBuildHook());

    Object server = type.getMethod("build").invoke(serverBuilder(type, null, null));

    assertEquals(Shapes.Server.class, server.getClass());
  }

  @Test
  void aClassWithoutMatchingMethodsIsNotRewritten() throws Exception {
    assertNull(
        ClassWeaver.weave(classFile(Shapes.ChannelBuilder.class), hooks(new ServerBuildHook())));
  }

  private static Object serverBuilder(Class<?> type, Object delegate, RuntimeException failure)
      throws Exception {
    return type.getConstructor(type, RuntimeException.class).newInstance(delegate, failure);
  }

  private static Object call(Class<?> type, String name, Object... arguments) throws Exception {
    for (Method method : type.getMethods()) {
      if (method.getName().equals(name) && method.getParameterCount() == arguments.length) {
        return method.invoke(null, arguments);
      }
    }
    throw new AssertionError("no method " + name);
  }

  private static List<MethodHook> hooks(MethodHook... hooks) {
    return Arrays.asList(hooks);
  }

  /** Defines the rewritten class in a loader of its own, which verifies it on first use. */
  private static Class<?> woven(Class<?> original, MethodHook... hooks) throws Exception {
    byte[] rewritten = ClassWeaver.weave(classFile(original), hooks(hooks));
    return new ClassLoader(HooksTest.class.getClassLoader()) {
      Class<?> define() {
        return defineClass(original.getName(), rewritten, 0, rewritten.length);
      }
    }.define();
  }

  private static byte[] classFile(Class<?> type) throws Exception {
    String resource = type.getName().substring(type.getName().lastIndexOf('.') + 1) + ".class";
    try (InputStream in = type.getResourceAsStream(resource)) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] buffer = new byte[8192];
      for (int n; (n = in.read(buffer)) > 0; ) {
        out.write(buffer, 0, n);
      }
      return out.toByteArray();
    }
  }

  /** Records each call; maps every target to {@code target}, every address to {@code address}. */
  private final class RecordingClient implements ClientHooks.Handler {
    private final String target;
    private final Object address;

    RecordingClient(String target, Object address) {
      this.target = target;
      this.address = address;
    }

    @Override
    public String onTarget(Class<?> grpcType, String original) {
      calls.add("onTarget " + grpcType.getName() + " " + original);
      return target;
    }

    @Override
    public Object redirectAddress(Class<?> grpcType, String factory, Object[] arguments) {
      calls.add("redirectAddress " + factory + " " + Arrays.toString(arguments));
      return address;
    }

    @Override
    public void onBuilder(String mappedTarget, Object builder) {
      calls.add("onBuilder " + mappedTarget + " " + builder);
    }

    @Override
    public Map<String, ?> onServiceConfig(Object builder, Map<String, ?> config) {
      return Collections.singletonMap("k", config.get("k") + "+agent");
    }

    @Override
    public String onLoadBalancingPolicy(Object builder, String policy) {
      return policy + "+agent";
    }
  }

  /** Records the outermost build's two calls and wraps the server. */
  private final class RecordingServer implements ServerHooks.Handler {
    @Override
    public void beforeBuild(Object builder) {
      calls.add("before");
    }

    @Override
    public Object afterBuild(Object builder, Object server) {
      calls.add("after " + server);
      return new Shapes.Server("wrapped " + server);
    }
  }
}
