package io.jenkins.plugins.containerbuild;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.Mockito.mock;

import hudson.AbortException;
import hudson.EnvVars;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jenkinsci.plugins.workflow.steps.StepContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** What the steps accept and how they normalise it, before anything runs. */
@ExtendWith(JenkinsStatics.class)
class StepArgumentsTest {

    @Test
    void defaultsAndBlankValues() {
        ContainerBuildStep s = new ContainerBuildStep();
        assertThat(s.getContext()).isEqualTo(".");
        assertThat(s.getBuilder()).isEqualTo("buildkit");
        assertThat(s.getDaemon()).as("null: the global default").isNull();
        assertThat(new DoodDaemon().getSocket()).isEqualTo("/var/run/docker.sock");
        s.setContext("  ");
        s.setDockerfile(" ");
        s.setTarget("");
        s.setNetwork(null);
        s.setBuilder(" CLASSIC ");
        s.setDaemon(null);
        assertThat(s.getContext()).isEqualTo(".");
        assertThat(s.getDockerfile()).isNull();
        assertThat(s.getTarget()).isNull();
        assertThat(s.getNetwork()).isNull();
        assertThat(s.getBuilder()).isEqualTo("classic");
        assertThat(s.getDaemon()).isNull();
    }

    @Test
    void pipelineValuesThatAreNotStringsBecomeStrings() {
        // Pipeline passes GStrings and numbers; any CharSequence stands in for a GString here
        ContainerBuildStep s = new ContainerBuildStep();
        Map<Object, Object> args = new LinkedHashMap<>();
        args.put("VERSION", new StringBuilder("1.4"));
        args.put(new StringBuilder("BUILD"), 42);
        setRaw(s, args);
        List<Object> tags = new ArrayList<>(Arrays.asList(new StringBuilder("app:1"), " ", null, "app:latest"));
        setRawTags(s, tags);

        assertThat(s.buildArgMap()).containsExactly(Map.entry("VERSION", "1.4"), Map.entry("BUILD", "42"));
        assertThat(s.getBuildArgs()).containsExactly(new NameValue("VERSION", "1.4"), new NameValue("BUILD", "42"));
        assertThat(s.getTags()).containsExactly("app:1", "app:latest");
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void setRaw(ContainerBuildStep s, Map<Object, Object> m) {
        s.setBuildArgMap((Map) m);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void setRawTags(ContainerBuildStep s, List<Object> l) {
        s.setTags((List) l);
    }

    /**
     * A bad value is kept as given (normalised when it is valid) and reported by {@code check()}, naming its field:
     * a setter or constructor that threw would reach the user as a LinkageError page or a Pipeline stack trace
     * ({@link InvalidValueException}).
     */
    @Test
    void badValuesAreKeptUntilCheckedAndNameTheirField() throws Exception {
        ContainerBuildStep s = new ContainerBuildStep();
        s.setTags(List.of("Bad Tag"));
        assertThat(s.getTags()).containsExactly("Bad Tag");
        assertInvalid(s::check, "tags", "Bad Tag");
        s.setTags(List.of("app:1"));
        s.setBuilder("kaniko");
        assertThat(s.getBuilder()).isEqualTo("kaniko");
        assertInvalid(s::check, "builder", "'buildkit'");
        s.setBuilder(" CLASSIC ");
        assertThat(s.getBuilder()).as("a valid value is normalised").isEqualTo("classic");
        s.check();

        ContainerPushStep p = new ContainerPushStep();
        p.setRetries(21);
        assertThat(p.getRetries()).isEqualTo(21);
        assertInvalid(p::check, "retries", "retries is 21: use a number from 0 to 20.");
        p.setRetries(3);
        p.setRegistry("https://host/path");
        assertInvalid(p::check, "registry", "https://HOST[:PORT]");

        assertInvalid(new TcpDaemon("http://host:2376")::check, "uri", "tcp://HOST:PORT");
        assertThat(new TcpDaemon(" http://host:2376 ").getUri()).isEqualTo("http://host:2376");
        assertThat(new DindDaemon(" ").getImage()).as("blank: the global default").isNull();
        assertInvalid(new DindDaemon("Not An Image")::check, "image", "Not An Image");
        DindDaemon d = new DindDaemon("docker:dind");
        d.setSecurity("root");
        assertInvalid(d::check, "security", "Unknown DinD security profile 'root'");
        d.setSecurity("Capabilities");
        assertThat(d.getSecurity()).isEqualTo("capabilities");
        d.setCacheVolume("a b");
        assertInvalid(d::check, "cacheVolume", "a b");
        DoodDaemon dood = new DoodDaemon();
        dood.setSocket("docker.sock");
        assertInvalid(dood::check, "socket", "not an absolute path");
        dood.setSocket("unix:///run/docker.sock");
        assertThat(dood.getSocket()).isEqualTo("/run/docker.sock");

        // a step checks its daemon too
        s.setDaemon(d);
        assertInvalid(s::check, "cacheVolume", "a b");
        p.setRegistry(null);
        p.setDaemon(new TcpDaemon("tcp://"));
        assertInvalid(p::check, "uri", "tcp://HOST:PORT");
    }

    /**
     * Pipeline shows only an AbortException as one line ({@code ERROR: message}); so a bad argument fails the step's
     * {@code start()} with one, before any execution exists, and so does the freestyle step's run.
     */
    @Test
    void aBadArgumentFailsTheStepsStartAsOneLine() {
        ContainerBuildStep s = new ContainerBuildStep();
        DindDaemon d = new DindDaemon("docker:dind");
        d.setSecurity("root");
        s.setDaemon(d);
        StepContext context = mock(StepContext.class);
        assertThatThrownBy(() -> s.start(context)).isExactlyInstanceOf(AbortException.class).hasNoCause()
                .hasMessage("Unknown DinD security profile 'root': use 'privileged' or 'capabilities'.");
        ContainerPushStep p = new ContainerPushStep();
        p.setTags(List.of("app:1"));
        p.setRetries(-1);
        assertThatThrownBy(() -> p.start(context)).isExactlyInstanceOf(AbortException.class).hasNoCause()
                .hasMessage("retries is -1: use a number from 0 to 20.");
        org.mockito.Mockito.verifyNoInteractions(context);

        ContainerBuildBuilder b = new ContainerBuildBuilder();
        b.setPush(true);
        b.setRetries(99);
        assertThatThrownBy(() -> b.pushStep(new EnvVars())).isExactlyInstanceOf(AbortException.class)
                .hasMessage("retries is 99: use a number from 0 to 20.");
    }

    /** What a form's newInstance throws: a FormException on the field, with the same message. */
    @Test
    void aBadValueIsAFormErrorOnItsField() {
        ContainerBuildBuilder b = new ContainerBuildBuilder();
        b.setBuilder("kaniko");
        InvalidValueException e = org.assertj.core.api.Assertions.catchThrowableOfType(InvalidValueException.class,
                b::check);
        hudson.model.Descriptor.FormException form = e.toForm();
        assertThat(form.getFormField()).isEqualTo("builder");
        assertThat(form).hasMessage(e.getMessage()).hasMessageContaining("'kaniko'");
        b.setBuilder(null);
        b.setSecrets(List.of(new SecretMount("npm rc", "x")));
        assertInvalid(b::check, "id", "RUN --mount=type=secret,id=npmrc");
        b.setSecrets(List.of());
        b.setDaemon(new DindDaemon("docker:dind"));
        ((DindDaemon) b.getDaemon()).setSocket("relative.sock");
        assertInvalid(b::check, "socket", "relative.sock");
    }

    /**
     * Map arguments are lists of {@link NameValue} entries, which structs can describe (it has no type for a Map);
     * the descriptor turns a Jenkinsfile's map into entries ({@code customInstantiate}) and the entries back into a
     * map for the Snippet Generator ({@code customUninstantiate}), so {@code buildArgs: [K: 'v']} reads and writes as
     * before.
     */
    @Test
    void mapArgumentsAreEntriesThatAJenkinsfileWritesAsAMap() throws Exception {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("VERSION", new StringBuilder("1.4"));
        map.put("BUILD", 42);
        map.put("EMPTY", null);
        Map<String, Object> in = ContainerBuildStep.shortForms(Map.of("buildArgs", map,
                "labels", Map.of("org.opencontainers.image.revision", "abc"), "context", "app"));
        assertThat(in.get("buildArgs")).isEqualTo(List.of(Map.of("name", "VERSION", "value", "1.4"),
                Map.of("name", "BUILD", "value", "42"), Map.of("name", "EMPTY", "value", "")));
        assertThat(in.get("labels")).isEqualTo(List.of(Map.of("name", "org.opencontainers.image.revision",
                "value", "abc")));
        assertThat(in.get("context")).isEqualTo("app");
        List<Object> longForm = List.of(Map.of("name", "A", "value", "1"));
        assertThat(ContainerBuildStep.shortForms(Map.of("buildArgs", longForm)).get("buildArgs")).isEqualTo(longForm);

        // back: structs gives the entries as uninstantiated describables, in the order of the list
        Map<String, Object> out = new java.util.TreeMap<>();
        out.put("buildArgs", List.of(entry("VERSION", "1.4"), entry("BUILD", "42")));
        out.put("context", "app");
        out.put("labels", List.of(entry("maintainer", "team"), entry("HTTP-PROXY", "off")));
        Map<String, Object> written = ContainerBuildStep.mapForms(out);
        assertThat(written.get("buildArgs")).isEqualTo(Map.of("VERSION", "1.4", "BUILD", "42"));
        assertThat(new ArrayList<Object>(((Map<?, ?>) written.get("buildArgs")).keySet()))
                .containsExactly("VERSION", "BUILD");
        assertThat(written.get("labels")).isEqualTo(Map.of("maintainer", "team", "HTTP-PROXY", "off"));
        assertThat(new ArrayList<>(written.keySet())).containsExactly("buildArgs", "context", "labels");
        assertThat(ContainerBuildStep.mapForms(Map.of("context", "app"))).as("nothing to change").isNull();
        List<Object> twice = List.of(entry("A", "1"), entry("A", "2"));
        assertThat(ContainerBuildStep.mapForms(Map.of("buildArgs", twice))).as("a name twice stays a list").isNull();
        // the Snippet Generator would write a dotted name unquoted, which Groovy reads as a property path
        assertThat(ContainerBuildStep.mapForms(Map.of("labels", List.of(entry("org.opencontainers.image.revision",
                "abc"))))).as("a dotted name stays a list").isNull();
        assertThat(ContainerBuildStep.mapForms(Map.of("labels", List.of(entry("1.2", "x")))).get("labels"))
                .as("a dotted key that is no Java name is quoted by the Snippet Generator").isEqualTo(Map.of("1.2", "x"));

        // the descriptor's hook hands the rewritten arguments to withArguments
        org.jenkinsci.plugins.structs.describable.UninstantiatedDescribable ud =
                mock(org.jenkinsci.plugins.structs.describable.UninstantiatedDescribable.class);
        org.jenkinsci.plugins.structs.describable.UninstantiatedDescribable rewritten =
                mock(org.jenkinsci.plugins.structs.describable.UninstantiatedDescribable.class);
        org.mockito.Mockito.<Map<String, ?>>when(ud.getArguments()).thenReturn(out);
        org.mockito.Mockito.when(ud.withArguments(written)).thenReturn(rewritten);
        assertThat(new ContainerBuildStep.DescriptorImpl().customUninstantiate(ud)).isSameAs(rewritten);

        // the step checks the entries: a name once each, and every entry named
        ContainerBuildStep s = new ContainerBuildStep();
        s.setBuildArgs(List.of(new NameValue("A", "1"), new NameValue(" A ", "2")));
        assertInvalid(s::check, "buildArgs", "buildArgs names 'A' twice");
        s.setBuildArgs(List.of());
        s.setLabels(List.of(new NameValue("  ", "secret-ish")));
        assertInvalid(s::check, "labels", "An entry of labels has no name");
        InvalidValueException e = org.assertj.core.api.Assertions.catchThrowableOfType(InvalidValueException.class,
                s::check);
        assertThat(e.getMessage()).as("values are not repeated in messages").doesNotContain("secret-ish");
    }

    private static org.jenkinsci.plugins.structs.describable.UninstantiatedDescribable entry(String name, String value) {
        org.jenkinsci.plugins.structs.describable.UninstantiatedDescribable ud =
                mock(org.jenkinsci.plugins.structs.describable.UninstantiatedDescribable.class);
        Map<String, Object> args = new java.util.TreeMap<>(Map.of("name", name, "value", value));
        org.mockito.Mockito.<Map<String, ?>>when(ud.getArguments()).thenReturn(args);
        return ud;
    }

    private interface Check {
        void check() throws InvalidValueException;
    }

    private static void assertInvalid(Check check, String field, String messagePart) {
        InvalidValueException e = org.assertj.core.api.Assertions.catchThrowableOfType(InvalidValueException.class,
                check::check);
        assertThat(e).as("a check that fails").isNotNull().hasMessageContaining(messagePart);
        assertThat(e.field()).isEqualTo(field);
    }

    /**
     * The push timeout reads as the CLI's {@code --timeout}: a whole number with s, m or h. Unset, it is null, which
     * the Snippet Generator leaves out and the callable leaves to the engine's default.
     */
    @Test
    void pushTimeoutTakesTheCommandLinesDurations() {
        ContainerPushStep p = new ContainerPushStep();
        assertThat(p.getTimeout()).as("default: the engine's").isNull();
        p.setTimeout(" 90s ");
        assertThat(p.getTimeout()).isEqualTo("90s");
        p.setTimeout("  ");
        assertThat(p.getTimeout()).isNull();
        assertThat(ContainerPushStep.parseTimeout("90s")).isEqualTo(java.time.Duration.ofSeconds(90));
        assertThat(ContainerPushStep.parseTimeout("20m")).isEqualTo(java.time.Duration.ofMinutes(20));
        assertThat(ContainerPushStep.parseTimeout("2h")).isEqualTo(java.time.Duration.ofHours(2));
        assertThat(ContainerPushStep.parseTimeout("168h")).isEqualTo(java.time.Duration.ofDays(7));
        for (String bad : new String[] {"10", "0s", "-5m", "1.5h", "10 m", "10min", "PT10M", "1d", "169h", "999999999h"}) {
            assertThatThrownBy(() -> ContainerPushStep.parseTimeout(bad)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("timeout '" + bad + "' is not a duration: give a positive whole number with s, m or h,"
                            + " such as 90s, 20m or 2h, at most 168h.");
            p.setTimeout(bad);
            assertInvalid(p::check, "timeout", "timeout '" + bad + "' is not a duration");
        }
        assertThat(PushImageCallable.formatTimeout(java.time.Duration.ofSeconds(90))).isEqualTo("90s");
        assertThat(PushImageCallable.formatTimeout(java.time.Duration.ofMinutes(30))).isEqualTo("30m");
        assertThat(PushImageCallable.formatTimeout(java.time.Duration.ofHours(2))).isEqualTo("2h");
    }

    /**
     * The forms bind the timeout's text box to the property: what a form shows reads back as the same value, and
     * a bad value is a form error on the field; the freestyle step checks a value with variables when it runs.
     */
    @Test
    void pushTimeoutRoundTripsThroughTheFormsAndBadValuesAreFormErrorsOnTheField() throws Exception {
        ContainerPushStep p = new ContainerPushStep();
        p.setTimeout("45m");
        ContainerPushStep back = new ContainerPushStep();
        back.setTimeout(p.getTimeout());
        assertThat(back.getTimeout()).isEqualTo("45m");
        back.check();
        back.setTimeout("");
        back.check();
        back.setTimeout("soon");
        assertInvalid(back::check, "timeout", "timeout 'soon' is not a duration");

        ContainerBuildBuilder b = new ContainerBuildBuilder();
        assertThat(b.getTimeout()).isNull();
        b.setTimeout("${PUSH_TIMEOUT}");
        assertThat(b.getTimeout()).as("variables are checked when the build runs").isEqualTo("${PUSH_TIMEOUT}");
        b.check();
        b.setTimeout(" 2h ");
        assertThat(b.getTimeout()).isEqualTo("2h");
        b.setTimeout("2 hours");
        assertInvalid(b::check, "timeout", "timeout '2 hours' is not a duration");
    }

    @Test
    void registryNames() {
        assertThat(ContainerPushStep.registryHost("https://registry.example.com")).isEqualTo("registry.example.com");
        assertThat(ContainerPushStep.registryHost("https://registry.example.com:5443/")).isEqualTo("registry.example.com:5443");
        assertThat(ContainerPushStep.registryHost("localhost:5000")).isEqualTo("localhost:5000");
    }

    @Test
    void pushPlanGivesBareTagsTheRegistryName() throws Exception {
        ContainerPushStep p = new ContainerPushStep();
        p.setImage(new BuiltImage("sha256:" + "a".repeat(64), List.of("team/app:1", "reg.example.com:5000/team/app:1"), 1));
        p.setTags(List.of("team/app:latest", "team/app:1"));
        p.setRegistry("https://reg.example.com:5000");

        ContainerPushStep.Plan plan = p.plan();

        assertThat(plan.push()).containsExactly("reg.example.com:5000/team/app:1", "team/app:latest".replace("team",
                "reg.example.com:5000/team"));
        assertThat(plan.retag()).containsExactly(Map.entry("reg.example.com:5000/team/app:1", "team/app:1"),
                Map.entry("reg.example.com:5000/team/app:latest", "team/app:latest"));
    }

    @Test
    void pushPlanRefusesOtherRegistriesAndNothing() {
        ContainerPushStep p = new ContainerPushStep();
        assertThatThrownBy(p::plan).isInstanceOf(AbortException.class).hasMessageStartingWith("Nothing to push");
        p.setTags(List.of("other.example.com/app:1"));
        p.setRegistry("reg.example.com");
        assertThatThrownBy(p::plan).isInstanceOf(AbortException.class)
                .hasMessageContaining("'other.example.com/app:1' names another registry than reg.example.com");
    }

    @Test
    void credentialsWithoutRegistryBelongToTheFirstTagsRegistry() throws Exception {
        ContainerPushStep p = new ContainerPushStep();
        p.setImage(new BuiltImage("sha256:" + "a".repeat(64), List.of("localhost:5001/team/app:1"), 1));
        p.setTags(List.of("localhost:5001/team/app:latest"));
        p.setCredentialsId("registry-ci");
        assertThat(p.plan().push()).containsExactly("localhost:5001/team/app:1", "localhost:5001/team/app:latest");
        assertThat(p.plan().retag()).isEmpty();

        p.setTags(List.of("localhost:5001/team/app:latest", "evil.example.com/team/app:1"));
        assertThatThrownBy(p::plan).isInstanceOf(AbortException.class)
                .hasMessage("Tag 'evil.example.com/team/app:1' is on registry evil.example.com, but the credentials are"
                        + " for localhost:5001, the registry of the first tag: push it in a separate step with"
                        + " credentials for evil.example.com, or give registry:.");
        p.setImage(null);
        p.setTags(List.of("team/app:1", "localhost:5000/team/app:1"));
        assertThatThrownBy(p::plan).isInstanceOf(AbortException.class)
                .hasMessageContaining("the credentials are for docker.io");

        p.setCredentialsId(null);
        assertThat(p.plan().push()).as("without credentials nothing is tied to a registry")
                .containsExactly("team/app:1", "localhost:5000/team/app:1");
    }

    @Test
    void builtImageIsItsIdAndTravels() throws Exception {
        BuiltImage i = new BuiltImage("sha256:" + "b".repeat(64), List.of("app:1"), 123);
        assertThat(i).hasToString("sha256:" + "b".repeat(64));
        assertThat(StepHarness.roundTrip(i)).isEqualTo(i);
        assertThatThrownBy(() -> i.getTags().add("x")).isInstanceOf(UnsupportedOperationException.class);
    }

    /**
     * Jenkinsfiles from SCM always run in the Groovy sandbox, which refuses members that are not whitelisted:
     * everything a script may read from the step's result carries {@code @Whitelisted}.
     */
    @Test
    void builtImageMembersAreWhitelistedForTheSandbox() throws Exception {
        List<String> readable = new ArrayList<>();
        for (java.lang.reflect.Method m : BuiltImage.class.getDeclaredMethods()) {
            if (java.lang.reflect.Modifier.isPublic(m.getModifiers()) && !java.lang.reflect.Modifier.isStatic(m.getModifiers())
                    && (m.getName().startsWith("get") || m.getName().equals("toString"))) {
                readable.add(m.getName());
                assertThat(m.getAnnotation(org.jenkinsci.plugins.scriptsecurity.sandbox.whitelists.Whitelisted.class))
                        .as("@Whitelisted on BuiltImage.%s", m.getName()).isNotNull();
            }
        }
        assertThat(readable).containsExactlyInAnyOrder("getImageId", "getTags", "getSize", "toString");
    }

    /**
     * The forms (job configuration and Pipeline's Snippet Generator) show list and map arguments as text areas:
     * what a form shows for a step reads back as the same step, and a bad line is a form error on its field.
     */
    @Test
    void textAreasStandForListAndMapArguments() throws Exception {
        ContainerBuildStep s = new ContainerBuildStep();
        s.setTags(List.of("localhost:5000/a:1", "b"));
        s.setBuildArgMap(new LinkedHashMap<>(Map.of("V", " spaced = value ")));
        s.setLabelMap(Map.of("org.example", "x"));
        s.setCacheFrom(List.of("c:cache"));
        ContainerBuildStep.DescriptorImpl d = new ContainerBuildStep.DescriptorImpl();
        Map<String, String> form = Map.of(
                "tagsText", d.linesOf(s.getTags()),
                "buildArgsText", d.pairsOf(s.getBuildArgs()),
                "labelsText", d.pairsOf(s.getLabels()),
                "cacheFromText", d.linesOf(s.getCacheFrom()));
        assertThat(form.get("tagsText")).isEqualTo("localhost:5000/a:1\nb");
        assertThat(form.get("buildArgsText")).isEqualTo("V= spaced = value ");

        ContainerBuildStep back = ContainerBuildStep.withTextAreas(new ContainerBuildStep(), form::get);
        assertThat(back.getTags()).isEqualTo(s.getTags());
        assertThat(back.getBuildArgs()).isEqualTo(s.getBuildArgs());
        assertThat(back.getLabels()).isEqualTo(s.getLabels());
        assertThat(back.getCacheFrom()).isEqualTo(s.getCacheFrom());

        // empty areas (a new form) give empty arguments, as the step's defaults
        ContainerBuildStep empty = ContainerBuildStep.withTextAreas(new ContainerBuildStep(), k -> "");
        assertThat(empty.getTags()).isEmpty();
        assertThat(empty.getBuildArgs()).isEmpty();
        assertThat(d.linesOf(null)).isEmpty();
        assertThat(d.pairsOf(null)).isEmpty();

        ContainerPushStep.DescriptorImpl pd = new ContainerPushStep.DescriptorImpl();
        ContainerPushStep push = ContainerPushStep.withTextAreas(new ContainerPushStep(),
                Map.of("tagsText", " x:1 \r\n\n y:2 ")::get);
        assertThat(push.getTags()).containsExactly("x:1", "y:2");
        assertThat(pd.linesOf(push.getTags())).isEqualTo("x:1\ny:2");
    }

    @Test
    void badTextAreaLinesAreFormErrorsNamingTheLine() throws Exception {
        ContainerBuildStep tags = ContainerBuildStep.withTextAreas(new ContainerBuildStep(),
                Map.of("tagsText", "ok:1\nNot Valid!", "buildArgsText", "")::get);
        assertInvalid(tags::check, "tags", "Not Valid!");
        assertThatThrownBy(() -> ContainerBuildStep.withTextAreas(new ContainerBuildStep(),
                        Map.of("tagsText", "", "buildArgsText", "A=1\nno-equals-sign")::get))
                .isInstanceOf(hudson.model.Descriptor.FormException.class)
                .hasMessageContaining("'no-equals-sign' is not NAME=VALUE");
    }
}
