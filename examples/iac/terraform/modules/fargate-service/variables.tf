variable "name" { type = string }
variable "cluster" { type = string }
variable "image_tag" {
  type    = string
  default = "latest"
}
variable "cpu" { type = number }
variable "memory" { type = number }
variable "app_cpu" { type = number }
variable "app_memory" { type = number }
variable "app_memory_reservation" { type = number }
