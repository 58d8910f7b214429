resource "aws_ecs_task_definition" "this" {
  family                   = var.name
  cpu                      = var.cpu
  memory                   = var.memory
  network_mode             = "awsvpc"
  requires_compatibilities = ["FARGATE"]

  container_definitions = jsonencode([
    {
      name              = var.name
      image             = "${var.name}:${var.image_tag}"
      cpu               = var.app_cpu
      memory            = var.app_memory
      memoryReservation = var.app_memory_reservation
      essential         = true
      portMappings      = [{ containerPort = 8080 }]
    },
    {
      name              = "datadog-agent"
      image             = "public.ecr.aws/datadog/agent:7"
      cpu               = 128
      memory            = 256
      memoryReservation = 192
      essential         = true
    },
  ])
}

resource "aws_ecs_service" "this" {
  name            = var.name
  cluster         = var.cluster
  task_definition = aws_ecs_task_definition.this.arn
  desired_count   = 2
  launch_type     = "FARGATE"
}
