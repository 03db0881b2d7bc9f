import java.util.List;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates a topic when it is missing, as notes-service's relay would (a benchmark that starts a gateway without
 * notes-service needs the topic: a gateway is ready once it has read the topic's partitions).
 * Run as a source file: {@code java -cp 'local-stack/target/lib/*' bench/EnsureTopic.java <bootstrap> <topic> <partitions>}.
 */
void main(String[] args) throws Exception {
    try (Admin admin = Admin.create(java.util.Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]))) {
        admin.createTopics(List.of(new NewTopic(args[1], Integer.parseInt(args[2]), (short) 1))).all().get();
        IO.println("created topic " + args[1]);
    } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
            throw e;
        }
        IO.println("topic " + args[1] + " exists");
    }
}
