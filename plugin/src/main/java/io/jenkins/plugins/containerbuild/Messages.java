package io.jenkins.plugins.containerbuild;

import java.text.MessageFormat;
import java.util.Locale;
import java.util.ResourceBundle;
import org.jvnet.localizer.LocaleProvider;

/**
 * The plugin's user-visible strings, from {@code Messages.properties} beside this class. Written by hand in the
 * shape that localizer-maven-plugin generates (one method per key, dots become underscores), because that plugin
 * needs annotation-indexer 1.4, which this build must not use. The bundle is read as properties only (a class
 * named like the bundle would otherwise be tried first). The locale is Jenkins' {@link LocaleProvider}'s: the
 * language of the user whose request is being served (a form, a validation), the JVM's default elsewhere.
 */
final class Messages {

    private static final String BUNDLE = Messages.class.getName();

    private Messages() {}

    static String format(String key, Object... args) {
        Locale locale = LocaleProvider.getLocale();
        ResourceBundle bundle = ResourceBundle.getBundle(BUNDLE, locale, Messages.class.getClassLoader(),
                ResourceBundle.Control.getControl(ResourceBundle.Control.FORMAT_PROPERTIES));
        String pattern = bundle.getString(key);
        return args.length == 0 ? pattern : new MessageFormat(pattern, locale).format(args);
    }

    static String ContainerBuildStep_DisplayName() {
        return format("ContainerBuildStep.DisplayName");
    }

    static String ContainerPushStep_DisplayName() {
        return format("ContainerPushStep.DisplayName");
    }

    static String DoodDaemon_DisplayName() {
        return format("DoodDaemon.DisplayName");
    }

    static String DindDaemon_DisplayName() {
        return format("DindDaemon.DisplayName");
    }

    static String TcpDaemon_DisplayName() {
        return format("TcpDaemon.DisplayName");
    }

    static String PodmanDaemon_DisplayName() {
        return format("PodmanDaemon.DisplayName");
    }

    static String PodmanDaemon_FoundOnTheAgent() {
        return format("PodmanDaemon.FoundOnTheAgent");
    }

    static String PodmanDaemon_NoSocket(Object socket, Object howToStart) {
        return format("PodmanDaemon.NoSocket", socket, howToStart);
    }

    static String GlobalDefaultDaemon_DisplayName() {
        return format("GlobalDefaultDaemon.DisplayName");
    }

    static String Workspace_BuildContext() {
        return format("Workspace.BuildContext");
    }

    static String Workspace_Dockerfile() {
        return format("Workspace.Dockerfile");
    }

    static String Workspace_PathOutside(Object what, Object path, Object workspace) {
        return format("Workspace.PathOutside", what, path, workspace);
    }

    static String Workspace_ContextMissing(Object path) {
        return format("Workspace.ContextMissing", path);
    }

    static String Credentials_NotFound(Object id, Object expectedType) {
        return format("Credentials.NotFound", id, expectedType);
    }

    static String Credentials_WrongType(Object id, Object actualType, Object expectedType) {
        return format("Credentials.WrongType", id, actualType, expectedType);
    }


    static String Credentials_DockerServerType() {
        return format("Credentials.DockerServerType");
    }

    static String TcpDaemon_TlsIncomplete(Object id) {
        return format("TcpDaemon.TlsIncomplete", id);
    }

    static String ContainerPushStep_NothingToPush() {
        return format("ContainerPushStep.NothingToPush");
    }

    static String ContainerBuildBuilder_LineBreakInValue(Object field, Object line) {
        return format("ContainerBuildBuilder.LineBreakInValue", field, line);
    }

    static String ContainerPushStep_BadRegistry(Object registry) {
        return format("ContainerPushStep.BadRegistry", registry);
    }

    static String ContainerPushStep_OtherRegistry(Object tag, Object registry) {
        return format("ContainerPushStep.OtherRegistry", tag, registry);
    }

    static String ContainerPushStep_CredentialsForOtherRegistry(Object tag, Object host, Object registry) {
        return format("ContainerPushStep.CredentialsForOtherRegistry", tag, host, registry);
    }

    static String ContainerPushStep_BadTimeout(Object value) {
        return format("ContainerPushStep.BadTimeout", value);
    }

    static String ContainerPushStep_TimedOut(Object failure, Object timeout) {
        return format("ContainerPushStep.TimedOut", failure, timeout);
    }

    static String ContainerPushStep_DefaultTimeout(Object timeout) {
        return format("ContainerPushStep.DefaultTimeout", timeout);
    }

    static String BuildLog_Built(Object imageId, Object size) {
        return format("BuildLog.Built", imageId, size);
    }

    static String BuildLog_Pushed(Object tag, Object digest) {
        return format("BuildLog.Pushed", tag, digest);
    }

    static String BuildLog_Tagged(Object source, Object target) {
        return format("BuildLog.Tagged", source, target);
    }

    static String ContainerBuildBuilder_DisplayName() {
        return format("ContainerBuildBuilder.DisplayName");
    }

    static String ContainerBuildBuilder_BadPair(Object line) {
        return format("ContainerBuildBuilder.BadPair", line);
    }

    static String ContainerBuildConfiguration_DisplayName() {
        return format("ContainerBuildConfiguration.DisplayName");
    }

    static String NamedRegistry_DisplayName() {
        return format("NamedRegistry.DisplayName");
    }

    static String NamedRegistry_BadName(Object name) {
        return format("NamedRegistry.BadName", name);
    }

    static String NamedRegistry_Duplicate(Object name) {
        return format("NamedRegistry.Duplicate", name);
    }

    static String DindDaemon_NoImage() {
        return format("DindDaemon.NoImage");
    }

    static String DindDaemon_GlobalImage() {
        return format("DindDaemon.GlobalImage");
    }

    static String ConnectionTest_Ok(Object daemon) {
        return format("ConnectionTest.Ok", daemon);
    }

    static String ConnectionTest_Failed(Object daemon, Object message) {
        return format("ConnectionTest.Failed", daemon, message);
    }

    static String ContainerBuildAction_DisplayName() {
        return format("ContainerBuildAction.DisplayName");
    }

    static String ContainerBuildAction_LayersTitle(Object count) {
        return format("ContainerBuildAction.LayersTitle", count);
    }

    static String ContainerBuildConfiguration_StepDaemonForbidden() {
        return format("ContainerBuildConfiguration.StepDaemonForbidden");
    }

    static String DindDaemon_ImageNotAllowed(Object image, Object allowed) {
        return format("DindDaemon.ImageNotAllowed", image, allowed);
    }

    static String DindImages_BadPattern(Object pattern) {
        return format("DindImages.BadPattern", pattern);
    }

    static String Credentials_RegistryType() {
        return format("Credentials.RegistryType");
    }

    static String Credentials_SecretType() {
        return format("Credentials.SecretType");
    }

    static String Credentials_SshType() {
        return format("Credentials.SshType");
    }

    static String Credentials_BadToken(Object a0) {
        return format("Credentials.BadToken", a0);
    }

    static String Credentials_NoKeys(Object a0) {
        return format("Credentials.NoKeys", a0);
    }

    static String Workspace_Output() {
        return format("Workspace.Output");
    }

    static String PullRegistry_DisplayName() {
        return format("PullRegistry.DisplayName");
    }

    static String PullRegistry_NameOrUrl(Object a0) {
        return format("PullRegistry.NameOrUrl", a0);
    }

    static String PullRegistry_NoCredentials(Object a0) {
        return format("PullRegistry.NoCredentials", a0);
    }

    static String PullRegistry_UnknownName(Object a0) {
        return format("PullRegistry.UnknownName", a0);
    }

    static String PullRegistry_NamedWithoutCredentials(Object a0) {
        return format("PullRegistry.NamedWithoutCredentials", a0);
    }

    static String PullRegistry_Twice(Object a0) {
        return format("PullRegistry.Twice", a0);
    }

    static String SecretMount_DisplayName() {
        return format("SecretMount.DisplayName");
    }

    static String SecretMount_BadId(Object a0) {
        return format("SecretMount.BadId", a0);
    }

    static String SecretMount_NoCredentials(Object a0) {
        return format("SecretMount.NoCredentials", a0);
    }

    static String SecretMount_Twice(Object a0) {
        return format("SecretMount.Twice", a0);
    }

    static String SshMount_DisplayName() {
        return format("SshMount.DisplayName");
    }

    static String SshMount_Twice(Object a0) {
        return format("SshMount.Twice", a0);
    }

    static String BuildLog_Exported(Object directory) {
        return format("BuildLog.Exported", directory);
    }

    static String WithContainerDaemonStep_DisplayName() {
        return format("WithContainerDaemonStep.DisplayName");
    }

    static String WithContainerDaemonStep_Using(Object a0) {
        return format("WithContainerDaemonStep.Using", a0);
    }

    static String ContainerBuildBuilder_InsideBlock(Object daemon) {
        return format("ContainerBuildBuilder.InsideBlock", daemon);
    }

    static String WithContainerDaemonStep_SidecarGone() {
        return format("WithContainerDaemonStep.SidecarGone");
    }

    static String WithContainerDaemonStep_StoppedWhileStarting() {
        return format("WithContainerDaemonStep.StoppedWhileStarting");
    }

    static String WithContainerDaemonStep_NotRecorded() {
        return format("WithContainerDaemonStep.NotRecorded");
    }

    static String WithContainerDaemonStep_Lost(Object why) {
        return format("WithContainerDaemonStep.Lost", why);
    }

    static String WithContainerDaemonStep_FoundAgain(Object container) {
        return format("WithContainerDaemonStep.FoundAgain", container);
    }

    static String WithContainerDaemonStep_ResumeLater() {
        return format("WithContainerDaemonStep.ResumeLater");
    }

    static String WithContainerDaemonStep_NotKept(Object a0) {
        return format("WithContainerDaemonStep.NotKept", a0);
    }

    static String WithContainerDaemonStep_ReleaseFailed(Object a0) {
        return format("WithContainerDaemonStep.ReleaseFailed", a0);
    }

    static String BuildLog_RemovedWithImage(Object a0, Object a1) {
        return format("BuildLog.RemovedWithImage", a0, a1);
    }

    static String BuildLog_Removed(Object a0, Object a1, Object a2) {
        return format("BuildLog.Removed", a0, a1, a2);
    }

    static String BuildLog_KeptAsParent(Object a0, Object a1) {
        return format("BuildLog.KeptAsParent", a0, a1);
    }

    static String BuildLog_KeptInUse(Object a0, Object a1) {
        return format("BuildLog.KeptInUse", a0, a1);
    }

    static String BuildLog_AlreadyGone(Object a0) {
        return format("BuildLog.AlreadyGone", a0);
    }

    static String BuildLog_NotRemoved(Object a0, Object a1) {
        return format("BuildLog.NotRemoved", a0, a1);
    }

    static String Credentials_Required(Object kind) {
        return format("Credentials.Required", kind);
    }

    static String Credentials_NotVisible(Object id, Object kind) {
        return format("Credentials.NotVisible", id, kind);
    }

    static String Credentials_SystemScope(Object id, Object kind) {
        return format("Credentials.SystemScope", id, kind);
    }

    static String Credentials_OtherKind(Object id, Object kind) {
        return format("Credentials.OtherKind", id, kind);
    }

    static String ContainerPushStep_BadRetries(Object retries) {
        return format("ContainerPushStep.BadRetries", String.valueOf(retries));
    }

    static String ContainerPushStep_BadRetriesText(Object text) {
        return format("ContainerPushStep.BadRetriesText", text);
    }

    static String StepArguments_NoName(Object field) {
        return format("StepArguments.NoName", field);
    }

    static String StepArguments_Twice(Object field, Object name) {
        return format("StepArguments.Twice", field, name);
    }
}
