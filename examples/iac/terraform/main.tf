# prod-core services managed by the platform team's Terraform.
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.80"
    }
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      ManagedBy = "terraform"
      Repo      = "platform-infra"
    }
  }
}

module "payments" {
  source = "./modules/fargate-service"

  name    = "payments"
  cluster = "prod-core"
  cpu     = 1024
  memory  = 2048

  # The app's share; the Datadog agent keeps its own 128 / 256.
  app_cpu                = 896
  app_memory             = 1792
  app_memory_reservation = 1344
}
